/** Streams the records of a CSV file, each with the physical line it starts on. */

import { createReadStream, type ReadStream } from 'node:fs'
import Papa from 'papaparse'
import { DataWarpError, describeLocation } from '../../model/table.js'
import type { CsvFormat } from './format.js'
import { splitRecords } from './split-records.js'
import { decodeWindows1252 } from './windows-1252.js'

export type { CsvDelimiter, CsvEncoding, CsvFormat } from './format.js'
export { detectCsvFormat } from './format.js'

export interface CsvRecord {
  /** 1-based physical line of the record's first character (line breaks inside quoted fields count). */
  line: number
  cells: string[]
}

/** Bytes per read from the file. */
export const READ_BYTES = 64 * 1024
/**
 * Characters a single record may reach before reading stops. Far beyond any real record (an Excel cell
 * holds at most 32,767 characters); reaching it means a quote that is never closed is swallowing the file.
 */
const MAX_RECORD_CHARS = 16 * 1024 * 1024

/**
 * Streams the records of a CSV file written in `format` (see detectCsvFormat). Re-iterable: each
 * iteration reads the file afresh. Reading runs only as far ahead of the consumer as one chunk.
 *
 * - CRLF, LF and (files without any LF) CR line breaks; a file mixing CRLF and LF reads correctly.
 * - Quoted fields may hold delimiters, line breaks and "" escaped quotes.
 * - Blank lines yield nothing, including a trailing empty final line; every other record is yielded
 *   with its cells as written, whatever their number.
 * - A malformed record (a quoted field never closed, or text after a closing quote) throws a
 *   DataWarpError naming the file and the line, after the records before it have been yielded.
 */
export function readCsvRecords(path: string, format: CsvFormat): AsyncIterable<CsvRecord> {
  return { [Symbol.asyncIterator]: () => new CsvRecordIterator(path, format) }
}

/** The same records handed out a chunk at a time: one promise per 64 KiB instead of one per record. */
export function readCsvBatches(path: string, format: CsvFormat): AsyncIterable<readonly CsvRecord[]> {
  return {
    [Symbol.asyncIterator]: () => {
      const records = new CsvRecordIterator(path, format)
      return { next: () => records.nextBatch(), return: () => records.returnBatch() }
    },
  }
}

type Chunk = Buffer | string

class CsvRecordIterator implements AsyncIterator<CsvRecord> {
  private readonly stream: ReadStream
  private readonly source: AsyncIterator<Chunk>
  private readonly decode: (chunk: Chunk) => string
  /** Records parsed and not yet handed out; `next` serves them without touching the file. */
  private batch: CsvRecord[] = []
  private served = 0
  /** Decoded text after the last complete record: the start of a record whose end is not read yet. */
  private pending = ''
  /** Physical line on which `pending` starts. */
  private pendingLine = 1
  /** When the last parse found no complete record, the length `pending` must reach before trying again. */
  private retryAt = 0
  private parser: Papa.Parser | undefined
  /** The line break the parser splits records on; the other character never ends a record. */
  private newline: '\n' | '\r' = '\n'
  private atStart = true
  private exhausted = false
  /** Thrown once the records before the malformed one have been served. */
  private failure: DataWarpError | undefined

  constructor(
    private readonly path: string,
    private readonly format: CsvFormat,
  ) {
    const utf8 = format.encoding === 'utf-8'
    this.stream = createReadStream(path, { highWaterMark: READ_BYTES, encoding: utf8 ? 'utf8' : undefined })
    this.source = this.stream[Symbol.asyncIterator]()
    this.decode = utf8 ? (chunk) => chunk as string : (chunk) => decodeWindows1252(chunk as Buffer)
  }

  async next(): Promise<IteratorResult<CsvRecord>> {
    if (!(await this.fill())) return { done: true, value: undefined }
    return { done: false, value: this.batch[this.served++]! }
  }

  async nextBatch(): Promise<IteratorResult<readonly CsvRecord[]>> {
    if (!(await this.fill())) return { done: true, value: undefined }
    const out = this.served === 0 ? this.batch : this.batch.slice(this.served)
    this.served = this.batch.length
    return { done: false, value: out }
  }

  async returnBatch(): Promise<IteratorResult<readonly CsvRecord[]>> {
    this.close()
    return { done: true, value: undefined }
  }

  /** Reads until records are waiting to be served; false at the end of the file. */
  private async fill(): Promise<boolean> {
    while (this.served === this.batch.length) {
      if (this.failure) {
        this.close()
        throw this.failure
      }
      if (this.exhausted) return false
      this.batch = []
      this.served = 0
      try {
        await this.read()
      } catch (error) {
        this.close()
        throw error
      }
    }
    return true
  }

  async return(): Promise<IteratorResult<CsvRecord>> {
    this.close()
    return { done: true, value: undefined }
  }

  private close(): void {
    this.exhausted = true
    this.batch = []
    this.served = 0
    this.stream.destroy()
  }

  /** Reads one chunk and parses whatever complete records the pending text now holds. */
  private async read(): Promise<void> {
    const chunk = await this.source.next()
    if (chunk.done) {
      this.exhausted = true
      this.parse(true)
      return
    }
    let text = this.decode(chunk.value)
    if (this.atStart) {
      this.atStart = false
      // The UTF-8 decoder keeps a byte order mark as U+FEFF; it is not part of the first header.
      if (text.charCodeAt(0) === 0xfeff && this.format.encoding === 'utf-8') text = text.slice(1)
    }
    this.pending += text
    if (this.pending.length >= this.retryAt) this.parse(false)
  }

  private parse(final: boolean): void {
    const text = this.pending
    if (!this.parser) {
      // LF splits records (a CR before it is dropped below), so CRLF, LF and a mix of both all read.
      // Only text with no LF at all but CRs (old Mac "CSV") splits on CR.
      const lf = text.indexOf('\n')
      const cr = lf === -1 ? text.indexOf('\r') : -1
      const noBreakYet = lf === -1 && (cr === -1 || cr === text.length - 1)
      if (noBreakYet && !final && text.length <= MAX_RECORD_CHARS) return
      this.newline = lf === -1 && cr !== -1 ? '\r' : '\n'
      this.parser = new Papa.Parser({
        delimiter: this.format.delimiter,
        newline: this.newline,
        quoteChar: '"',
      })
    }
    // The records most text holds are split faster here; papaparse takes the rest, and reports what is malformed.
    const split = splitRecords(text, this.format.delimiter, this.newline, final)
    const result = split
      ? { data: split.rows, errors: [], meta: { cursor: split.cursor } }
      : (this.parser.parse(text, 0, !final) as Papa.ParseResult<string[]>)
    const rows = result.data
    const consumed = final ? text.length : result.meta.cursor

    // A non-final parse also reports errors in the cut-off last record; they come back when it is complete.
    let failedRow = -1
    for (const error of result.errors) {
      const row = error.row ?? rows.length
      if ((final || row < rows.length) && (failedRow === -1 || row < failedRow)) failedRow = row
    }
    const failedCode =
      failedRow === -1 ? undefined : result.errors.find((e) => (e.row ?? rows.length) === failedRow)

    // Without a line break inside any record each record takes exactly one line, so counting is skipped.
    const oneLineEach = this.oneLinePerRecord(text, consumed, final ? rows.length - 1 : rows.length)
    const newline = this.newline
    const batch = this.batch
    let line = this.pendingLine
    for (let r = 0; r < rows.length; r++) {
      if (r === failedRow) {
        this.failure = malformed(this.path, line, failedCode?.code)
        this.exhausted = true
        this.pending = ''
        return
      }
      const cells = rows[r]!
      const lastIndex = cells.length - 1
      const last = cells[lastIndex]!
      if (newline === '\n' && last.charCodeAt(last.length - 1) === 13) cells[lastIndex] = last.slice(0, -1)
      if (lastIndex > 0 || cells[0] !== '') batch.push({ line, cells })
      line += oneLineEach ? 1 : 1 + lineBreaksIn(cells, newline)
    }
    if (failedRow !== -1) {
      // Reported past the last record (not expected from papaparse): still never pass it silently.
      this.failure = malformed(this.path, line, failedCode?.code)
      this.exhausted = true
    }
    this.pendingLine = line
    this.pending = final ? '' : text.slice(consumed)
    if (final || rows.length > 0) {
      this.retryAt = 0
      return
    }
    // No record is complete yet: wait until the text has doubled before parsing it all again, so a long
    // record costs linear time, and give up on one no real file has.
    if (text.length > MAX_RECORD_CHARS) {
      throw new DataWarpError(
        `${describeLocation({ file: this.path, line })}: a CSV record runs past ${MAX_RECORD_CHARS} characters without ending; most likely a quoted field is never closed`,
        { file: this.path, line },
      )
    }
    this.retryAt = text.length * 2
  }

  /** Whether each of the first `terminated` records of `text` takes exactly one physical line. */
  private oneLinePerRecord(text: string, consumed: number, terminated: number): boolean {
    const quote = text.indexOf('"')
    // Unquoted records are split on every line break, so none can hold one.
    if (quote === -1 || quote >= consumed) return true
    let breaks = 0
    for (
      let at = text.indexOf(this.newline);
      at !== -1 && at < consumed;
      at = text.indexOf(this.newline, at + 1)
    ) {
      breaks++
    }
    // Each terminated record holds at least its own line break; any more means some hold several.
    return breaks === terminated
  }
}

function lineBreaksIn(cells: readonly string[], newline: string): number {
  let breaks = 0
  for (const cell of cells) {
    for (let at = cell.indexOf(newline); at !== -1; at = cell.indexOf(newline, at + 1)) breaks++
  }
  return breaks
}

function malformed(file: string, line: number, code: string | undefined): DataWarpError {
  const what =
    code === 'InvalidQuotes'
      ? 'a closing quote is followed by something other than a delimiter or line break'
      : 'a quoted field is never closed (unterminated quote)'
  return new DataWarpError(`${describeLocation({ file, line })}: malformed CSV record: ${what}`, {
    file,
    line,
  })
}
