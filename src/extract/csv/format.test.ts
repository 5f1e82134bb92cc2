import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataWarpError } from '../../model/table.js'
import { detectCsvFormat, incompleteTail, sniffDelimiter } from './format.js'

const dir = mkdtempSync(join(tmpdir(), 'datawarp-csv-format-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let fileNumber = 0
function file(content: string | Uint8Array): string {
  const path = join(dir, `${++fileNumber}.csv`)
  writeFileSync(path, content)
  return path
}

/** `count` ASCII CSV lines, about 40 bytes each. */
function asciiLines(count: number): string {
  let text = 'code,name,value\n'
  for (let i = 0; i < count; i++) text += `A${i},Practice number ${i},${i * 3}\n`
  return text
}

const MiB = 1024 * 1024

describe('detectCsvFormat: encoding', () => {
  it('reads plain UTF-8 without a byte order mark as utf-8', async () => {
    expect(await detectCsvFormat(file('region,name\nY56,Région – Nord\n'))).toEqual({
      encoding: 'utf-8',
      bom: false,
      delimiter: ',',
    })
  })

  it('reads a UTF-8 byte order mark as utf-8 with bom', async () => {
    expect(await detectCsvFormat(file('\uFEFFcode,name\nA1,x\n'))).toEqual({
      encoding: 'utf-8',
      bom: true,
      delimiter: ',',
    })
  })

  it('takes pure ASCII as utf-8', async () => {
    expect((await detectCsvFormat(file(asciiLines(10)))).encoding).toBe('utf-8')
  })

  it('finds a single Windows-1252 en dash far beyond the first megabyte', async () => {
    const head = Buffer.from(asciiLines(80_000)) // ~2.5 MB of ASCII, several scan chunks
    expect(head.length).toBeGreaterThan(2 * MiB)
    const tail = Buffer.from([...Buffer.from('B1,Clinical Director '), 0x96, ...Buffer.from(' DPC,1\r\n')])
    const format = await detectCsvFormat(file(Buffer.concat([head, tail])))
    expect(format).toEqual({ encoding: 'windows-1252', bom: false, delimiter: ',' })
  })

  it('finds a Windows-1252 pound sign in the header', async () => {
    const header = Buffer.from([...Buffer.from('Type,Range_of_Income_'), 0xa3, ...Buffer.from(',Value\r\n')])
    const format = await detectCsvFormat(file(Buffer.concat([header, Buffer.from('a,b,1\r\n')])))
    expect(format.encoding).toBe('windows-1252')
  })

  it.each([
    ['en dash (3 bytes), 1 byte before the boundary', '–', 1],
    ['en dash (3 bytes), 2 bytes before the boundary', '–', 2],
    ['pound sign (2 bytes), 1 byte before the boundary', '£', 1],
    ['emoji (4 bytes), 3 bytes before the boundary', '😀', 3],
  ])('keeps UTF-8 when a character straddles the 1 MiB scan boundary: %s', async (_name, ch, before) => {
    const padding = 'x'.repeat(MiB - before)
    const format = await detectCsvFormat(file(`${padding}${ch},y\n`))
    expect(format.encoding).toBe('utf-8')
  })

  it('calls a file whose last multi-byte character is cut short windows-1252', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\nc,'), Buffer.from('–').subarray(0, 2)])
    expect((await detectCsvFormat(file(bytes))).encoding).toBe('windows-1252')
  })

  it('calls a stray continuation byte right after a scan boundary windows-1252', async () => {
    const bytes = Buffer.concat([Buffer.from('x'.repeat(MiB)), Buffer.from([0x80]), Buffer.from(',y\n')])
    expect((await detectCsvFormat(file(bytes))).encoding).toBe('windows-1252')
  })

  it('refuses UTF-16 text, which it cannot read', async () => {
    const path = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]))
    await expect(detectCsvFormat(path)).rejects.toThrow(DataWarpError)
    await expect(detectCsvFormat(path)).rejects.toThrow(/UTF-16/)
  })

  it('refuses a file mixing UTF-8 and Windows-1252 lines, naming the lines, rather than garbling one kind', async () => {
    const path = file(
      Buffer.concat([
        Buffer.from('code,name\nA,caf\u00e9 ok\n', 'utf8'), // line 2: UTF-8 é
        Buffer.from('B,plain\n'),
        Buffer.from([0x43, 0x2c, 0x63, 0x61, 0x66, 0xe9, 0x0a]), // line 4: Windows-1252 é
        Buffer.from('D,na\u00efve\n', 'utf8'), // line 5: UTF-8 ï
      ]),
    )
    const error = await detectCsvFormat(path).catch((e) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect(error.message).toMatch(/mixes UTF-8 \(lines 2, 5\) and Windows-1252 \(line 4\)/)
    expect(error.where).toEqual({ file: path, line: 4 })
  })

  it('still reads a file whose only non-ASCII bytes are Windows-1252 as windows-1252', async () => {
    const path = file(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xa3, 0x35, 0x2c, 0x96, 0x0a]))
    expect((await detectCsvFormat(path)).encoding).toBe('windows-1252')
  })

  it('treats an empty file as comma-separated UTF-8', async () => {
    expect(await detectCsvFormat(file(''))).toEqual({ encoding: 'utf-8', bom: false, delimiter: ',' })
  })
})

describe('detectCsvFormat: delimiter', () => {
  it.each([
    [';', 'code;name;value\nA1;North;1,5\nA2;South, East;2,25\n'],
    ['\t', 'code\tname\tvalue\nA1\tNorth, West\t1\nA2\tSouth; East\t2\n'],
    ['|', 'code|name|value\nA1|North, West|1\nA2|South|2\n'],
    [',', 'code,name,value\nA1,North; West,1\nA2,South,2\n'],
  ])('sniffs %j from the first lines', async (delimiter, text) => {
    expect((await detectCsvFormat(file(text))).delimiter).toBe(delimiter)
  })

  it('sniffs the delimiter of a Windows-1252 file', async () => {
    const bytes = Buffer.from([
      ...Buffer.from('Type;Income '),
      0xa3,
      ...Buffer.from(';Value\r\nA;1;2\r\nB;3;4\r\n'),
    ])
    expect(await detectCsvFormat(file(bytes))).toEqual({
      encoding: 'windows-1252',
      bom: false,
      delimiter: ';',
    })
  })

  it('ignores delimiters and line breaks inside quoted fields', () => {
    const text = 'a;b;c\n"x, y, z";"1\n2, 3";q\n"p,q,r,s";2;3\n'
    expect(sniffDelimiter(text, true)).toBe(';')
  })

  it('prefers the delimiter that agrees on more lines over one that splits more columns', () => {
    // Commas appear as decimal separators, a varying number per line; semicolons split every line in 3.
    const text = 'a;b;c\n1,5;2,25,1;3\n4;5,5;6\n7,1;8;9,9,9,9\n'
    expect(sniffDelimiter(text, true)).toBe(';')
  })

  it('prefers more columns when two delimiters are equally consistent', () => {
    const text = 'code,name;alias,value,rate\nA1,North;N,1,2\nA2,South;S,3,4\n'
    expect(sniffDelimiter(text, true)).toBe(',')
  })

  it('defaults to a comma when nothing splits the lines', () => {
    expect(sniffDelimiter('single column\nvalue one\nvalue two\n', true)).toBe(',')
  })

  it('ignores a last line cut off by the end of the sample', () => {
    const text = 'a;b\n1;2\n3;4\n5,6,7,8,9,10,11;1'
    expect(sniffDelimiter(text, false)).toBe(';')
  })

  it('looks only at the first 20 records', () => {
    const text = `${'a;b;c\n'.repeat(20)}${'x,y,z,w\n'.repeat(100)}`
    expect(sniffDelimiter(text, true)).toBe(';')
  })

  it('is not put off by title lines above the table', async () => {
    const text = `Title of the publication\nPublished 1 May 2024\n\n${'a\tb\tc\n'.repeat(5)}`
    expect((await detectCsvFormat(file(text))).delimiter).toBe('\t')
  })
})

describe('incompleteTail', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values)

  it('finds nothing pending after ASCII or a complete character', () => {
    expect(incompleteTail(bytes(0x61, 0x62), 2)).toBe(0)
    expect(incompleteTail(bytes(0x61, 0xe2, 0x80, 0x93), 4)).toBe(0)
    expect(incompleteTail(bytes(0xf0, 0x9f, 0x98, 0x80), 4)).toBe(0)
  })

  it('counts the bytes of a character the chunk cuts short', () => {
    expect(incompleteTail(bytes(0x61, 0xc2), 2)).toBe(1)
    expect(incompleteTail(bytes(0x61, 0xe2, 0x80), 3)).toBe(2)
    expect(incompleteTail(bytes(0xf0, 0x9f, 0x98), 3)).toBe(3)
  })

  it('looks only below the given end', () => {
    expect(incompleteTail(bytes(0x61, 0xe2, 0x80, 0x93), 2)).toBe(1)
  })
})
