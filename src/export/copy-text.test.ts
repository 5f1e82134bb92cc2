import { describe, expect, it } from 'vitest'
import { CopyTextParser, decodeCopyEscapes, type FieldSink } from './copy-text.js'

function decode(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  const out = Buffer.alloc(bytes.length)
  return out.toString('utf8', 0, decodeCopyEscapes(bytes, 0, bytes.length, out))
}

/** A sink that keeps each field's raw text (`\N` and escapes untouched). */
class TextSink implements FieldSink {
  rows = 0
  readonly values: string[] = []

  parse(b: Buffer, pos: number): number {
    let p = pos
    while (b[p] !== 0x09 && b[p] !== 0x0a) p++
    this.values.push(b.toString('utf8', pos, p))
    this.rows++
    return p
  }
}

function parseAll(chunks: Buffer[], columns: number) {
  const sinks = Array.from({ length: columns }, () => new TextSink())
  const parser = new CopyTextParser(sinks, () => false)
  for (const chunk of chunks) parser.push(chunk)
  parser.finish()
  return { rows: parser.rows, columns: sinks.map((s) => s.values) }
}

describe('decodeCopyEscapes', () => {
  it('decodes the escapes PostgreSQL writes', () => {
    expect(decode('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh')).toBe('a\tb\nc\rd\\e\bf\fg\vh')
  })

  it('decodes octal and hex bytes, including multi-byte UTF-8 characters', () => {
    expect(decode('\\101\\x42\\x4a')).toBe('ABJ')
    expect(decode('caf\\303\\251 \\xc3\\xa9')).toBe('café é')
    expect(decode('\\0')).toBe('\0')
  })

  it('keeps any other escaped character, and text without escapes, as it is', () => {
    expect(decode('\\N\\.\\xZ')).toBe('N.xZ')
    expect(decode('Ynys Môn – £5 😀')).toBe('Ynys Môn – £5 😀')
  })
})

describe('CopyTextParser', () => {
  const text = 'a\t1\tYnys Môn 😀\nb\t\\N\tx\\ty\n\t\t\n'

  it('splits rows and fields wherever the chunks are cut, even inside a character', () => {
    const whole = parseAll([Buffer.from(text)], 3)
    expect(whole.rows).toBe(3)
    expect(whole.columns).toEqual([
      ['a', 'b', ''],
      ['1', '\\N', ''],
      ['Ynys Môn 😀', 'x\\ty', ''],
    ])
    const bytes = Buffer.from(text)
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)], 3)).toEqual(whole)
    }
    expect(
      parseAll(
        [...bytes].map((byte) => Buffer.from([byte])),
        3,
      ),
    ).toEqual(whole)
  })

  it('rejects rows with too few or too many fields, naming the row', () => {
    expect(() => parseAll([Buffer.from('a\t1\tx\nb\t2\n')], 3)).toThrow(
      /COPY row 2: expected 3 tab-separated fields/,
    )
    expect(() => parseAll([Buffer.from('a\t1\tx\ty\n')], 3)).toThrow(/COPY row 1/)
  })

  it('reports data that ends in the middle of a row', () => {
    expect(() => parseAll([Buffer.from('a\t1\tx\nb\t2')], 3)).toThrow(/ended in the middle of row 2/)
  })

  it('stops when asked and resumes where it stopped', () => {
    const sinks = [new TextSink(), new TextSink()]
    const parser = new CopyTextParser(sinks, () => sinks[0]!.rows % 2 === 0)
    const seen: number[] = []
    let stopped = parser.push(Buffer.from('1\ta\n2\tb\n3\tc\n4\td\n5\te\n'))
    while (stopped) {
      seen.push(sinks[0]!.rows)
      stopped = parser.resume()
    }
    parser.finish()
    expect(seen).toEqual([2, 4])
    expect(sinks[1]!.values).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
})
