/**
 * PostgreSQL's COPY text format (the default of `COPY ... TO STDOUT`): one row per line, fields
 * separated by tabs, `\N` for NULL, backslash escapes for the characters that would otherwise be
 * ambiguous. A raw newline byte always ends a row and a raw tab always ends a field (in data they
 * arrive as `\n` and `\t`), and neither byte occurs inside a multi-byte UTF-8 sequence, so rows can
 * be split on bytes without decoding.
 */

const TAB = 0x09
const NEWLINE = 0x0a
const BACKSLASH = 0x5c

/** What the parser fills: one per column (see column-buffers.ts). */
export interface FieldSink {
  /** Rows read into the current row group. */
  readonly rows: number
  /** Reads the field starting at `pos`; returns the index of the tab or newline after it. */
  parse(b: Buffer, pos: number): number
}

function escapeByte(c: number): number {
  switch (c) {
    case 0x62: // b
      return 0x08
    case 0x66: // f
      return 0x0c
    case 0x6e: // n
      return 0x0a
    case 0x72: // r
      return 0x0d
    case 0x74: // t
      return 0x09
    case 0x76: // v
      return 0x0b
    default:
      return c // \\ and any other escaped character stand for themselves
  }
}

function isOctal(c: number | undefined): c is number {
  return c !== undefined && c >= 0x30 && c <= 0x37
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

/**
 * Decodes the escapes of the field bytes `b[start, end)` into `out` (at least end - start long)
 * and returns the decoded length. PostgreSQL writes `\\ \b \f \n \r \t \v`; the input syntax's
 * `\digits` (octal) and `\xHH` (hex) bytes are decoded too. The caller handles `\N` (NULL).
 */
export function decodeCopyEscapes(b: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let length = 0
  let i = start
  while (i < end) {
    const c = b[i] as number
    if (c !== BACKSLASH || i + 1 >= end) {
      out[length++] = c
      i++
      continue
    }
    const next = b[i + 1] as number
    if (isOctal(next)) {
      let value = next - 0x30
      i += 2
      for (let digits = 1; digits < 3 && i < end && isOctal(b[i]); digits++) {
        value = value * 8 + ((b[i] as number) - 0x30)
        i++
      }
      out[length++] = value & 0xff
    } else if (next === 0x78 && i + 2 < end && hexValue(b[i + 2]) >= 0) {
      let value = hexValue(b[i + 2])
      i += 3
      if (i < end && hexValue(b[i]) >= 0) {
        value = value * 16 + hexValue(b[i])
        i++
      }
      out[length++] = value
    } else {
      out[length++] = escapeByte(next)
      i += 2
    }
  }
  return length
}

/**
 * Feeds COPY text chunks, row by row, into the column sinks. After each row `onRow` is asked
 * whether to stop (e.g. the row group is full): push() and resume() then return true and the
 * caller flushes before calling resume(). Chunk boundaries may fall anywhere, even inside a
 * character, since only complete lines are parsed.
 */
export class CopyTextParser {
  private buffer: Buffer = Buffer.alloc(0)
  private pos = 0
  private end = 0
  private rowNumber = 0

  constructor(
    private readonly sinks: readonly FieldSink[],
    private readonly onRow: (rowBytes: number) => boolean,
  ) {
    if (sinks.length < 1) throw new Error('a COPY row has at least one column')
  }

  /** Rows parsed so far. */
  get rows(): number {
    return this.rowNumber
  }

  /** Parses the chunk's complete lines; true if it stopped early (call resume() after flushing). */
  push(chunk: Buffer): boolean {
    if (this.pos < this.end) throw new Error('push() while a stopped chunk has rows left; call resume()')
    const rest = this.buffer.length - this.pos
    const data = rest > 0 ? Buffer.concat([this.buffer.subarray(this.pos), chunk]) : chunk
    this.buffer = data
    this.pos = 0
    this.end = data.lastIndexOf(NEWLINE) + 1
    return this.parse()
  }

  /** Continues a chunk after push() or resume() returned true. */
  resume(): boolean {
    return this.parse()
  }

  /** Call at the end of the stream: a partial last line means the data was cut short. */
  finish(): void {
    if (this.pos < this.end) throw new Error('finish() while a stopped chunk has rows left; call resume()')
    if (this.buffer.length > this.pos) {
      throw new Error(`COPY data ended in the middle of row ${this.rowNumber + 1}`)
    }
  }

  private parse(): boolean {
    const b = this.buffer
    const end = this.end
    const sinks = this.sinks
    const last = sinks.length - 1
    let pos = this.pos
    try {
      while (pos < end) {
        const rowStart = pos
        for (let j = 0; j < last; j++) {
          pos = (sinks[j] as FieldSink).parse(b, pos)
          if (b[pos] !== TAB) throw this.shapeError(b, rowStart)
          pos++
        }
        pos = (sinks[last] as FieldSink).parse(b, pos)
        if (b[pos] !== NEWLINE) throw this.shapeError(b, rowStart)
        pos++
        this.rowNumber++
        if (this.onRow(pos - rowStart)) {
          this.pos = pos
          return true
        }
      }
    } catch (error) {
      const message = (error as Error).message
      throw new Error(`COPY row ${this.rowNumber + 1}: ${message}`, { cause: error })
    }
    this.pos = pos
    return false
  }

  private shapeError(b: Buffer, rowStart: number): Error {
    const lineEnd = b.indexOf(NEWLINE, rowStart)
    const line = b.toString('utf8', rowStart, Math.min(lineEnd, rowStart + 200))
    return new Error(`expected ${this.sinks.length} tab-separated fields: ${JSON.stringify(line)}`)
  }
}
