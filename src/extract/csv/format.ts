/** Works out how a CSV file is written: its character encoding and its delimiter. */

import { isAscii, isUtf8 } from 'node:buffer'
import { type FileHandle, open } from 'node:fs/promises'
import { DataWarpError } from '../../model/table.js'
import { decodeWindows1252 } from './windows-1252.js'

export type CsvEncoding = 'utf-8' | 'windows-1252'
export type CsvDelimiter = ',' | ';' | '\t' | '|'

export interface CsvFormat {
  encoding: CsvEncoding
  /** The file starts with a UTF-8 byte order mark (the reader drops it). */
  bom: boolean
  delimiter: CsvDelimiter
}

/** Candidates in order of preference when two split the sample equally well. */
const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|']

/** Bytes of the file's start used to sniff the delimiter. */
const SAMPLE_BYTES = 64 * 1024
/** Records of the sample the delimiter must split consistently. */
const SAMPLE_RECORDS = 20
/** Bytes per read while checking the whole file for UTF-8 validity. */
const SCAN_BYTES = 1024 * 1024

const UTF8_BOM = [0xef, 0xbb, 0xbf]

/**
 * Detects the encoding and delimiter of a CSV file.
 *
 * A UTF-8 byte order mark means UTF-8. Otherwise the whole file is checked for UTF-8 validity in
 * streamed chunks (never held in memory at once); a single invalid byte sequence anywhere makes it
 * Windows-1252, which is what NHS publications from before ~2022 saved from Excel are.
 * The delimiter is the candidate that splits the first records (outside quotes) into the most
 * consistent number of columns above one; ',' when none does.
 */
export async function detectCsvFormat(path: string): Promise<CsvFormat> {
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    const head = Buffer.alloc(Math.min(SAMPLE_BYTES, size))
    const { bytesRead } = await file.read(head, 0, head.length, 0)
    const sample = head.subarray(0, bytesRead)
    if (startsWith(sample, [0xff, 0xfe]) || startsWith(sample, [0xfe, 0xff])) {
      throw new DataWarpError(`${path} is UTF-16 text, which the CSV reader does not read`, { file: path })
    }
    const bom = startsWith(sample, UTF8_BOM)
    const encoding: CsvEncoding = bom || (await isWholeFileUtf8(file)) ? 'utf-8' : 'windows-1252'
    if (encoding === 'windows-1252') await refuseMixedEncodings(file, path)
    const text =
      encoding === 'utf-8'
        ? // stream: true holds back a multi-byte character cut by the end of the sample; the BOM is dropped.
          new TextDecoder('utf-8').decode(sample, { stream: true })
        : decodeWindows1252(sample)
    return { encoding, bom, delimiter: sniffDelimiter(text, bytesRead >= size) }
  } finally {
    await file.close()
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte)
}

/** Reads the file from its start in chunks; false at the first invalid UTF-8 sequence. */
async function isWholeFileUtf8(file: FileHandle): Promise<boolean> {
  // Room for up to 3 bytes of a character split by the previous chunk's end, carried to the front.
  const buffer = Buffer.allocUnsafe(SCAN_BYTES + 3)
  let carried = 0
  let position = 0
  for (;;) {
    const { bytesRead } = await file.read(buffer, carried, SCAN_BYTES, position)
    if (bytesRead === 0) return carried === 0 // a character cut short by the end of the file is invalid
    position += bytesRead
    const end = carried + bytesRead
    const pending = incompleteTail(buffer, end)
    if (!isUtf8(buffer.subarray(0, end - pending))) return false
    buffer.copyWithin(0, end - pending, end)
    carried = pending
  }
}

/** Lines named in a message, at most this many of each kind. */
const LINES_NAMED = 5

/**
 * A file that is not all UTF-8 may still have UTF-8 lines (two exports pasted together): decoding it whole as
 * Windows-1252 would garble those ("café" → "cafÃ©") in silence, so it is refused, naming lines of each kind.
 * Lines are physical lines (a quoted field's line break counts).
 */
async function refuseMixedEncodings(file: FileHandle, path: string): Promise<void> {
  const utf8Lines: number[] = []
  const otherLines: number[] = []
  let line = 1
  let pending: Buffer[] = []
  const judge = (bytes: Buffer) => {
    if (isAscii(bytes)) return
    if (isUtf8(bytes)) utf8Lines.push(line)
    else otherLines.push(line)
  }
  for await (const chunk of file.createReadStream({ start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
    let from = 0
    for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, at)
      judge(pending.length === 0 ? piece : Buffer.concat([...pending, piece]))
      pending = []
      line++
      from = at + 1
    }
    if (from < chunk.length) pending.push(chunk.subarray(from))
  }
  if (pending.length > 0) judge(Buffer.concat(pending))
  if (utf8Lines.length === 0 || otherLines.length === 0) return
  const named = (lines: number[]) =>
    `${lines.length === 1 ? 'line' : 'lines'} ${lines.slice(0, LINES_NAMED).join(', ')}${lines.length > LINES_NAMED ? `, … (${lines.length} in all)` : ''}`
  throw new DataWarpError(
    `${path} mixes UTF-8 (${named(utf8Lines)}) and Windows-1252 (${named(otherLines)}): decoded either way, one kind would be garbled; re-save the file in one encoding`,
    { file: path, line: otherLines[0] },
  )
}

/**
 * How many bytes at the end of `bytes[0, end)` are the start of a multi-byte UTF-8 character whose
 * remaining bytes have not been read yet (0 to 3). Anything malformed is left for isUtf8 to reject.
 */
export function incompleteTail(bytes: Uint8Array, end: number): number {
  for (let back = 1; back <= 3 && back <= end; back++) {
    const byte = bytes[end - back]!
    if (byte < 0x80) return 0 // ASCII: nothing pending
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
      return length > back ? back : 0
    }
    // a continuation byte (0x80–0xBF): its lead byte is further back
  }
  return 0
}

/**
 * Picks the delimiter that splits the sample's first records into the most consistent column count
 * above one: the most records agreeing on one count wins, then the higher count, then list order.
 * Quoting follows the reader: a field that starts with '"' runs to the next lone '"', so delimiters and
 * line breaks inside it do not count. `complete` says whether the sample is the whole file; when it is
 * not, a last record cut off by the sample's end is ignored.
 */
export function sniffDelimiter(sample: string, complete: boolean): CsvDelimiter {
  let best: CsvDelimiter = ','
  let bestAgreeing = 0
  let bestColumns = 1
  for (const delimiter of DELIMITERS) {
    const counts = columnCounts(sample, delimiter, complete)
    const tally = new Map<number, number>()
    for (const columns of counts) {
      if (columns > 1) tally.set(columns, (tally.get(columns) ?? 0) + 1)
    }
    for (const [columns, agreeing] of tally) {
      if (agreeing > bestAgreeing || (agreeing === bestAgreeing && columns > bestColumns)) {
        best = delimiter
        bestAgreeing = agreeing
        bestColumns = columns
      }
    }
  }
  return best
}

/** Column counts of the first non-blank records of `text` when split on `delimiter`. */
function columnCounts(text: string, delimiter: string, complete: boolean): number[] {
  const counts: number[] = []
  let columns = 1
  let fieldStart = true
  let blank = true
  let i = 0
  while (i < text.length && counts.length < SAMPLE_RECORDS) {
    const ch = text[i]!
    if (fieldStart && ch === '"') {
      // Quoted field: skip to its closing quote ("" is an escaped quote inside it).
      let close = text.indexOf('"', i + 1)
      while (close !== -1 && text[close + 1] === '"') close = text.indexOf('"', close + 2)
      if (close === -1) break // runs past the sample: the record is incomplete
      i = close + 1
      fieldStart = false
      blank = false
      continue
    }
    fieldStart = false
    if (ch === delimiter) {
      columns++
      fieldStart = true
      blank = false
    } else if (ch === '\n' || ch === '\r') {
      if (!blank) counts.push(columns)
      if (ch === '\r' && text[i + 1] === '\n') i++
      columns = 1
      fieldStart = true
      blank = true
    } else {
      blank = false
    }
    i++
  }
  if (complete && i >= text.length && !blank && counts.length < SAMPLE_RECORDS) counts.push(columns)
  return counts
}
