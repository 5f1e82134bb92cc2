import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { DataWarpError } from '../../model/table.js'
import { type CsvFormat, detectCsvFormat } from './format.js'
import { type CsvRecord, READ_BYTES, readCsvRecords } from './reader.js'

const dir = mkdtempSync(join(tmpdir(), 'datawarp-csv-reader-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let fileNumber = 0
function file(content: string | Uint8Array): string {
  const path = join(dir, `${++fileNumber}.csv`)
  writeFileSync(path, content)
  return path
}

const UTF8: CsvFormat = { encoding: 'utf-8', bom: false, delimiter: ',' }

async function records(path: string, format?: CsvFormat): Promise<CsvRecord[]> {
  const out: CsvRecord[] = []
  for await (const record of readCsvRecords(path, format ?? (await detectCsvFormat(path)))) out.push(record)
  return out
}

/** Reads until the reader throws; returns what came before and the error. */
async function recordsUntilError(path: string, format: CsvFormat = UTF8) {
  const before: CsvRecord[] = []
  try {
    for await (const record of readCsvRecords(path, format)) before.push(record)
  } catch (error) {
    return { before, error }
  }
  throw new Error('expected the reader to throw')
}

describe('readCsvRecords: records and lines', () => {
  it('yields each record with its cells and 1-based line', async () => {
    expect(await records(file('code,name,value\nA1,North,1\nA2,South,2\n'))).toEqual([
      { line: 1, cells: ['code', 'name', 'value'] },
      { line: 2, cells: ['A1', 'North', '1'] },
      { line: 3, cells: ['A2', 'South', '2'] },
    ])
  })

  it('reads CRLF and LF files the same, and a file mixing both', async () => {
    const lf = await records(file('a,b\n1,2\n,\n3,\n'))
    expect(lf).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
      { line: 3, cells: ['', ''] },
      { line: 4, cells: ['3', ''] },
    ])
    expect(await records(file('a,b\r\n1,2\r\n,\r\n3,\r\n'))).toEqual(lf)
    expect(await records(file('a,b\n1,2\r\n,\n3,\r\n'))).toEqual(lf)
    expect(await records(file('a,b\r\n1,2\n,\r\n3,\n'))).toEqual(lf)
  })

  it('reads a file whose lines end in CR only', async () => {
    expect(await records(file('a,b\r1,"x\ry"\r2,3\r'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'x\ry'] },
      { line: 4, cells: ['2', '3'] },
    ])
  })

  it('keeps empty fields, including a trailing one', async () => {
    expect(await records(file('a,,c,\n,,,\n'))).toEqual([
      { line: 1, cells: ['a', '', 'c', ''] },
      { line: 2, cells: ['', '', '', ''] },
    ])
  })

  it('reads quoted fields holding delimiters, escaped quotes and nothing', async () => {
    const text = 'name,note\n"Smith, J","He said ""hello"""\n"",""""\n'
    expect(await records(file(text))).toEqual([
      { line: 1, cells: ['name', 'note'] },
      { line: 2, cells: ['Smith, J', 'He said "hello"'] },
      { line: 3, cells: ['', '"'] },
    ])
  })

  it('counts line breaks inside quoted fields in the lines of the records after them', async () => {
    const text = 'id,address\n1,"Unit 4\nHigh St\nLeeds"\n2,plain\n3,"a\r\nb"\n4,"""quoted""\nnext"\n5,end\n'
    expect(await records(file(text))).toEqual([
      { line: 1, cells: ['id', 'address'] },
      { line: 2, cells: ['1', 'Unit 4\nHigh St\nLeeds'] },
      { line: 5, cells: ['2', 'plain'] },
      { line: 6, cells: ['3', 'a\r\nb'] },
      { line: 8, cells: ['4', '"quoted"\nnext'] },
      { line: 10, cells: ['5', 'end'] },
    ])
  })

  it('keeps line breaks inside quoted fields of a CRLF file as written', async () => {
    expect(await records(file('a,b\r\n"x\ny","p\r\nq"\r\nlast,1\r\n'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x\ny', 'p\r\nq'] },
      { line: 5, cells: ['last', '1'] },
    ])
  })

  it('skips blank lines but still counts them', async () => {
    expect(await records(file('\n\na,b\n\n1,2\r\n\r\n\r\n3,4\n'))).toEqual([
      { line: 3, cells: ['a', 'b'] },
      { line: 5, cells: ['1', '2'] },
      { line: 8, cells: ['3', '4'] },
    ])
  })

  it('yields a line of spaces or of delimiters only as a record', async () => {
    expect(await records(file('a,b\n  \n,\n'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['  '] },
      { line: 3, cells: ['', ''] },
    ])
  })

  it('yields records of uneven width as they are', async () => {
    expect(await records(file('a,b,c\n1\n1,2,3,4,5\n,\n'))).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1'] },
      { line: 3, cells: ['1', '2', '3', '4', '5'] },
      { line: 4, cells: ['', ''] },
    ])
  })

  it('does not make a record of the empty line after the last line break', async () => {
    expect(await records(file('a,b\n1,2\n'))).toHaveLength(2)
    expect(await records(file('a,b\r\n1,2\r\n'))).toHaveLength(2)
  })

  it('reads the last record when the file does not end with a line break', async () => {
    expect(await records(file('a,b\r\n1,2'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ])
    expect(await records(file('a,b\n1,"2"'))).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ])
  })

  it('yields nothing for an empty file or one of blank lines', async () => {
    expect(await records(file(''))).toEqual([])
    expect(await records(file('\r\n\n\r\n'))).toEqual([])
  })

  it('reads semicolon and tab delimited files', async () => {
    const semicolon = file('code;value\nA1;"1,5"\nA2;2,25\n')
    expect(await records(semicolon)).toEqual([
      { line: 1, cells: ['code', 'value'] },
      { line: 2, cells: ['A1', '1,5'] },
      { line: 3, cells: ['A2', '2,25'] },
    ])
    const tab = file('code\tname\r\nA1\tNorth, West\r\nA2\t"x\ty"\r\n')
    expect(await records(tab)).toEqual([
      { line: 1, cells: ['code', 'name'] },
      { line: 2, cells: ['A1', 'North, West'] },
      { line: 3, cells: ['A2', 'x\ty'] },
    ])
  })

  it('passes on the file system error for a missing file', async () => {
    await expect(records(join(dir, 'missing.csv'), UTF8)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('can be iterated again, and stopped early', async () => {
    const path = file('a\n1\n2\n3\n')
    const source = readCsvRecords(path, UTF8)
    for await (const record of source) {
      expect(record.line).toBe(1)
      break
    }
    expect((await records(path, UTF8)).map((r) => r.line)).toEqual([1, 2, 3, 4])
    expect((await records(path, UTF8)).map((r) => r.line)).toEqual([1, 2, 3, 4])
  })
})

describe('readCsvRecords: encodings', () => {
  it('drops the UTF-8 byte order mark from the first header', async () => {
    const path = file('\uFEFFNHS England (Region) code,Name\r\nQ1,Région\r\n')
    const format = await detectCsvFormat(path)
    expect(format.bom).toBe(true)
    expect(await records(path, format)).toEqual([
      { line: 1, cells: ['NHS England (Region) code', 'Name'] },
      { line: 2, cells: ['Q1', 'Région'] },
    ])
  })

  it('decodes a Windows-1252 en dash more than 64 KB into the file', async () => {
    let text = 'ROLE,FTE\r\n'
    for (let i = 0; text.length < 300_000; i++) text += `Pharmacist ${i},1\r\n`
    const lines = text.split('\r\n').length
    text += '"Clinical Director – DPC",0.2\r\n'
    const path = file(iconv.encode(text, 'windows-1252'))
    const format = await detectCsvFormat(path)
    expect(format.encoding).toBe('windows-1252')
    const all = await records(path, format)
    expect(all.at(-1)).toEqual({ line: lines, cells: ['Clinical Director – DPC', '0.2'] })
  })

  it('decodes a Windows-1252 pound sign in the header', async () => {
    const path = file(iconv.encode('Type,Range_of_Income_£,Value\r\nAverage,,1\r\n', 'windows-1252'))
    const [header] = await records(path)
    expect(header?.cells).toEqual(['Type', 'Range_of_Income_£', 'Value'])
  })
})

describe('readCsvRecords: malformed records', () => {
  it('throws naming the file and line of a record whose quote is never closed', async () => {
    const path = file('a,b\n1,2\n3,"open\nstill open\n')
    const { before, error } = await recordsUntilError(path)
    expect(before.map((r) => r.line)).toEqual([1, 2])
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).where).toEqual({ file: path, line: 3 })
    expect((error as DataWarpError).message).toContain(`${path}, line 3`)
    expect((error as DataWarpError).message).toMatch(/never closed/)
  })

  it('throws for text after a closing quote', async () => {
    const path = file('a,b\n1,"x"y\n2,3\n')
    const { before, error } = await recordsUntilError(path)
    expect(before.map((r) => r.line)).toEqual([1])
    expect((error as DataWarpError).where).toEqual({ file: path, line: 2 })
  })

  it('names the right line when the unclosed quote is far into a large file', async () => {
    let text = 'id,text\n'
    for (let i = 0; i < 40_000; i++) text += `${i},"row ""${i}""\nsecond line"\n`
    text += '40000,"never closed\n'
    for (let i = 0; i < 20_000; i++) text += `${i},tail\n`
    const { before, error } = await recordsUntilError(file(text))
    expect(before).toHaveLength(40_001)
    expect(before.at(-1)).toEqual({ line: 1 + 2 * 39_999 + 1, cells: ['39999', 'row "39999"\nsecond line'] })
    expect((error as DataWarpError).where.line).toBe(80_002)
  })

  it('gives up with an error, not unbounded memory, when one quote swallows the file', async () => {
    const path = file(`a,b\n1,"${'x'.repeat(17 * 1024 * 1024)}`)
    const { before, error } = await recordsUntilError(path)
    expect(before).toEqual([{ line: 1, cells: ['a', 'b'] }])
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).where).toEqual({ file: path, line: 2 })
  })
})

describe('readCsvRecords: reading in chunks', () => {
  /** Deterministic pseudo-random numbers (mulberry32). */
  function random(seed: number): () => number {
    let state = seed
    return () => {
      state = (state + 0x6d2b79f5) | 0
      let t = Math.imul(state ^ (state >>> 15), 1 | state)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }

  /** A CSV with every awkward feature, and the records it holds, built side by side. */
  function generate(seed: number, targetLength: number, delimiter: string, nonAscii: string[]) {
    const next = random(seed)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
    const expected: CsvRecord[] = []
    let text = ''
    let line = 1
    while (text.length < targetLength) {
      if (next() < 0.03) {
        text += pick(['\n', '\r\n'])
        line++
        continue
      }
      const cells: string[] = []
      const written: string[] = []
      const width = 1 + Math.floor(next() * 6)
      let breaks = 0
      for (let c = 0; c < width; c++) {
        const kind = next()
        const word = `${pick(['North', 'Région', 'x', '0.25', ''])}${pick(['', ...nonAscii])}${Math.floor(next() * 1000)}`
        if (kind < 0.6) {
          cells.push(word)
          written.push(word)
        } else {
          const inner = `${word}${pick([delimiter, '"', '\n', '\r\n', ' '])}${pick(nonAscii)}${pick(['', '"'])}`
          cells.push(inner)
          written.push(`"${inner.replaceAll('"', '""')}"`)
          breaks += inner.split('\n').length - 1
        }
      }
      if (cells.length === 1 && cells[0] === '') {
        cells[0] = 'lone'
        written[0] = 'lone'
      }
      text += `${written.join(delimiter)}${pick(['\n', '\r\n'])}`
      expected.push({ line, cells })
      line += 1 + breaks
    }
    return { text, expected }
  }

  it('matches the records of a large UTF-8 file with multi-line fields across read chunks', async () => {
    const { text, expected } = generate(1, 1_500_000, ',', ['–', '£', 'é', '😀'])
    const path = file(text)
    expect(await detectCsvFormat(path)).toEqual(UTF8)
    expect(await records(path, UTF8)).toEqual(expected)
  })

  it('matches the records of a large Windows-1252 semicolon file across read chunks', async () => {
    const { text, expected } = generate(2, 1_200_000, ';', ['–', '£', 'é', '€'])
    const path = file(iconv.encode(text, 'windows-1252'))
    const format = await detectCsvFormat(path)
    expect(format).toEqual({ encoding: 'windows-1252', bom: false, delimiter: ';' })
    expect(await records(path, format)).toEqual(expected)
  })

  it.each([
    ['before the opening quote', '"q"', 0],
    ['inside the field', '"q"', 2],
    ['after the closing quote', '"q"', 3],
    ['between CR and LF', '"q"', 4],
    ['inside an escaped quote', '"q""x"', 3],
    ['after an escaped quote', '"q""x"', 4],
  ])('reads a quoted field cut by a read chunk boundary %s', async (_where, field, cut) => {
    const head = 'id,pad,text\r\n'
    const filler = 'a'.repeat(READ_BYTES - head.length - '1,'.length - ','.length - cut)
    const text = `${head}1,${filler},${field}\r\n2,,"next"\r\n`
    expect(text.lastIndexOf(field) + cut).toBe(READ_BYTES)
    expect(await records(file(text), UTF8)).toEqual([
      { line: 1, cells: ['id', 'pad', 'text'] },
      { line: 2, cells: ['1', filler, field.slice(1, -1).replace('""', '"')] },
      { line: 3, cells: ['2', '', 'next'] },
    ])
  })

  it('reads a record longer than a read chunk', async () => {
    const long = 'y'.repeat(700_000)
    const path = file(`a,b\n1,"${long}\n${long}"\n2,${long}\n3,z\n`)
    const all = await records(path, UTF8)
    expect(all.map((r) => [r.line, r.cells[1]?.length])).toEqual([
      [1, 1],
      [2, 1_400_001],
      [4, 700_000],
      [5, 1],
    ])
  })
})
