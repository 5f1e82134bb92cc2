/**
 * A streaming reader for PostgreSQL's COPY text format (the default of `COPY ... TO STDOUT`):
 * one row per line, fields separated by tabs, `\N` for NULL, and backslash escapes for the
 * characters that would otherwise be ambiguous. A raw newline byte always ends a row (newlines in
 * data arrive as `\n`), and 0x0A never occurs inside a multi-byte UTF-8 sequence, so chunks are cut
 * on the last newline and decoded as whole lines.
 */

const NEWLINE = 0x0a

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
}

function isOctalDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x37
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10
  return -1
}

/**
 * Decodes one field's escapes. `\N` (the whole field) is NULL. PostgreSQL itself only writes
 * `\\ \b \f \n \r \t \v` and the delimiter, but the input syntax (`\digits` octal and `\xHH` hex
 * bytes, any other escaped character standing for itself) is accepted too.
 */
export function decodeCopyField(raw: string): string | null {
  if (raw === '\\N') return null
  let at = raw.indexOf('\\')
  if (at === -1) return raw
  let out = ''
  let start = 0
  while (at !== -1) {
    out += raw.slice(start, at)
    const next = raw.charCodeAt(at + 1)
    if (isOctalDigit(next) || (next === 0x78 && hexValue(raw.charCodeAt(at + 2)) >= 0)) {
      // Octal and hex escapes are bytes, which may form multi-byte UTF-8 characters together.
      return decodeBytes(raw)
    }
    if (Number.isNaN(next)) {
      out += '\\' // a lone trailing backslash: PostgreSQL never writes one; keep it literally
      start = at + 1
    } else {
      const c = raw[at + 1] as string
      out += SIMPLE_ESCAPES[c] ?? c
      start = at + 2
    }
    at = raw.indexOf('\\', start)
  }
  return out + raw.slice(start)
}

/** The slow path: works on the UTF-8 bytes, so `\303\251` decodes to "é". */
function decodeBytes(raw: string): string {
  const input = Buffer.from(raw, 'utf8')
  const output = Buffer.allocUnsafe(input.length)
  let length = 0
  let i = 0
  while (i < input.length) {
    const byte = input[i] as number
    if (byte !== 0x5c || i + 1 >= input.length) {
      output[length++] = byte
      i++
      continue
    }
    const next = input[i + 1] as number
    if (isOctalDigit(next)) {
      let value = next - 0x30
      i += 2
      for (let digits = 1; digits < 3 && i < input.length && isOctalDigit(input[i] as number); digits++) {
        value = value * 8 + ((input[i] as number) - 0x30)
        i++
      }
      output[length++] = value & 0xff
    } else if (next === 0x78 && i + 2 < input.length && hexValue(input[i + 2] as number) >= 0) {
      let value = hexValue(input[i + 2] as number)
      i += 3
      if (i < input.length && hexValue(input[i] as number) >= 0) {
        value = value * 16 + hexValue(input[i] as number)
        i++
      }
      output[length++] = value
    } else {
      const simple = SIMPLE_ESCAPES[String.fromCharCode(next)]
      output[length++] = simple === undefined ? next : simple.charCodeAt(0)
      i += 2
    }
  }
  return output.toString('utf8', 0, length)
}

/**
 * Splits COPY text chunks into rows. `onRow` receives the same array every time, filled with the
 * row's decoded fields (`null` for NULL); it must copy what it keeps before returning.
 */
export class CopyTextReader {
  private readonly fields: (string | null)[]
  private pending: Buffer | undefined
  private lineNumber = 0

  constructor(
    private readonly columnCount: number,
    private readonly onRow: (fields: (string | null)[]) => void,
  ) {
    if (columnCount < 1) throw new Error('a COPY row has at least one column')
    this.fields = new Array<string | null>(columnCount).fill(null)
  }

  /** Parses every complete line in the chunk; a trailing partial line waits for the next chunk. */
  push(chunk: Buffer): void {
    const lastNewline = chunk.lastIndexOf(NEWLINE)
    if (lastNewline === -1) {
      this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
      return
    }
    let text: string
    if (this.pending) {
      const head = Buffer.concat([this.pending, chunk.subarray(0, lastNewline + 1)])
      text = head.toString('utf8')
    } else {
      text = chunk.toString('utf8', 0, lastNewline + 1)
    }
    this.pending = lastNewline + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNewline + 1)) : undefined
    this.parseLines(text)
  }

  /** Call at the end of the stream: a partial last line means the data was cut short. */
  end(): void {
    if (this.pending && this.pending.length > 0) {
      throw new Error(`COPY data ended in the middle of line ${this.lineNumber + 1}`)
    }
  }

  /** `text` holds whole lines, each ending in "\n". */
  private parseLines(text: string): void {
    const { fields, columnCount, onRow } = this
    const last = columnCount - 1
    let pos = 0
    let backslash = text.indexOf('\\')
    const length = text.length
    while (pos < length) {
      const lineEnd = text.indexOf('\n', pos)
      this.lineNumber++
      if (backslash !== -1 && backslash < pos) backslash = text.indexOf('\\', pos)
      const escaped = backslash !== -1 && backslash < lineEnd
      let start = pos
      for (let j = 0; j < last; j++) {
        const tab = text.indexOf('\t', start)
        if (tab === -1 || tab > lineEnd) throw this.shapeError(text.slice(pos, lineEnd))
        const raw = text.slice(start, tab)
        fields[j] = escaped ? decodeCopyField(raw) : raw
        start = tab + 1
      }
      const raw = text.slice(start, lineEnd)
      if (raw.indexOf('\t') !== -1) throw this.shapeError(text.slice(pos, lineEnd))
      fields[last] = escaped ? decodeCopyField(raw) : raw
      onRow(fields)
      pos = lineEnd + 1
    }
  }

  private shapeError(line: string): Error {
    const preview = line.length > 200 ? `${line.slice(0, 200)}…` : line
    return new Error(
      `COPY line ${this.lineNumber} does not have ${this.columnCount} tab-separated fields: ${JSON.stringify(preview)}`,
    )
  }
}
