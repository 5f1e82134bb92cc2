import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.js'
import { BinaryCopyWriter, BinaryEncodingError, type BinaryType, binaryFieldWriter } from './copy-binary.js'

const HEADER_BYTES = 19

/** The hex of one field as the writer encodes it. */
function fieldHex(type: BinaryType, text: string | null): string {
  const writer = new BinaryCopyWriter()
  binaryFieldWriter(type)(writer, text)
  return writer.take().subarray(HEADER_BYTES).toString('hex')
}

/** COPY text format: backslash, tab, newline and carriage return escaped; \\N is NULL. */
function copyText(value: string | null): string {
  if (value === null) return '\\N'
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}

describe('binary COPY byte layout', () => {
  it('a stream is the PGCOPY header, rows that start with their field count, and a -1 trailer', () => {
    const writer = new BinaryCopyWriter()
    writer.startRow(2)
    binaryFieldWriter('string')(writer, 'ab')
    binaryFieldWriter('integer')(writer, null)
    expect(writer.finish().toString('hex')).toBe(
      `${Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').toString('hex')}0000000000000000` +
        '0002' +
        '000000026162' +
        'ffffffff' +
        'ffff',
    )
  })

  it('text is its UTF-8 bytes, prefixed with the byte length', () => {
    expect(fieldHex('string', 'abc')).toBe('00000003616263')
    expect(fieldHex('string', '£')).toBe('00000002c2a3')
    expect(fieldHex('string', '😀')).toBe('00000004f09f9880')
    expect(fieldHex('string', '')).toBe('00000000')
    expect(fieldHex('string', null)).toBe('ffffffff')
  })

  it('a bigint is 8 bytes of big-endian two’s complement, exact beyond 2^53', () => {
    expect(fieldHex('integer', '-1')).toBe('00000008ffffffffffffffff')
    expect(fieldHex('integer', '+12')).toBe('00000008000000000000000c')
    expect(fieldHex('integer', '123456789012345678')).toBe('0000000801b69b4ba630f34e')
    expect(fieldHex('integer', '-9223372036854775808')).toBe('000000088000000000000000')
  })

  it('a numeric is base-10000 digits with weight, sign and the display scale numeric_in gives', () => {
    // ndigits, weight, sign, dscale, digits
    expect(fieldHex('number', '1.50')).toBe('0000000c' + '0002' + '0000' + '0000' + '0002' + '0001' + '1388')
    expect(fieldHex('number', '-0.5')).toBe('0000000a' + '0001' + 'ffff' + '4000' + '0001' + '1388')
    expect(fieldHex('number', '1e5')).toBe('0000000a' + '0001' + '0001' + '0000' + '0000' + '000a')
    expect(fieldHex('number', '-0.000')).toBe('00000008' + '0000' + '0000' + '0000' + '0003')
    expect(fieldHex('number', 'NaN')).toBe('00000008' + '0000' + '0000' + 'c000' + '0000')
    expect(fieldHex('number', '-Infinity')).toBe('00000008' + '0000' + '0000' + 'f000' + '0000')
  })

  it('booleans, dates and timestamps count from 2000-01-01', () => {
    expect(fieldHex('boolean', 't')).toBe('0000000101')
    expect(fieldHex('boolean', 'FALSE')).toBe('0000000100')
    expect(fieldHex('date', '2000-01-02')).toBe('0000000400000001')
    expect(fieldHex('date', '1999-12-31')).toBe('00000004ffffffff')
    expect(fieldHex('datetime', '2000-01-01 00:00:01')).toBe('0000000800000000000f4240')
    expect(fieldHex('datetime', '2000-01-01 00:00:01+05:00')).toBe('0000000800000000000f4240')
    expect(fieldHex('timestamptz', '2000-01-01T01:00:00+01:00')).toBe('000000080000000000000000')
    expect(fieldHex('timestamptz', 'infinity')).toBe('000000087fffffffffffffff')
  })
})

/** Values each column gets; row k holds the k-th value of every list (NULL once a list runs out). */
const VALUES: Record<BinaryType, (string | null)[]> = {
  string: [
    'plain',
    '',
    null,
    'with\ttab',
    'line\nbreak',
    'carriage\rreturn\r\n',
    'back\\slash',
    '\\N',
    '\\.',
    '£',
    'é',
    'Café £5 — naïve',
    '😀 emoji',
    '𝄞 music',
    '日本語のテキスト',
    '\u0080\u07ff\u0800\uffff',
    'lone \ud800 surrogate',
    ' padded ',
    'x'.repeat(100),
    'é'.repeat(300),
    `${'long ascii '.repeat(30_000)}end`,
    `${'ü'.repeat(100_000)}end`,
  ],
  integer: [
    '0',
    '-0',
    '+12',
    null,
    '1',
    '-1',
    '42',
    '000123',
    '-000123',
    '2147483647',
    '2147483648',
    '-2147483649',
    '4294967296',
    '9007199254740991',
    '9007199254740993',
    '-9007199254740993',
    '123456789012345',
    '999999999999999',
    '1234567890123456',
    '123456789012345678',
    '-123456789012345678',
    '999999999999999999',
    '9223372036854775807',
    '-9223372036854775808',
    '00000000000000000000012',
  ],
  number: [
    '0',
    '-0',
    '0.000',
    '-0.00',
    null,
    '12',
    '-12',
    '-0.5',
    '.5',
    '-.5',
    '5.',
    '+3.25',
    '1.50',
    '1e5',
    '1E5',
    '1e+21',
    '1e-7',
    '1.2345e-7',
    '-1.2345E+7',
    '1.5e-7',
    '5.e3',
    '.5e-3',
    '000123',
    '000123.4500',
    '0.0001',
    '0.00001',
    '0.1',
    '0.30000000000000004',
    '3.141592653589793',
    '12345678.87654321',
    '-9999.9999',
    '10000',
    '100000000',
    '99999999',
    '1152921504606846976',
    '123456789012345678901234567890.123456789012345678901234567890',
    '1.0e0',
    '5e-1',
    '0e10',
    '0e-10',
    '0.0e3',
    '0e1073741822',
    '1234.5678e2',
    '1234.5678e-2',
    '-1234.5678e-9',
    '1e1000',
    '1e-1000',
    '1e-16383',
    '1e131071',
    '100010001000100010001',
    '1000000000000000000000.0000000000000000000001',
    'NaN',
    'nan',
    'Infinity',
    '-Infinity',
    '+Infinity',
    'inf',
    '-INF',
    '+inf',
  ],
  boolean: [
    't',
    'f',
    null,
    'true',
    'false',
    'TRUE',
    'False',
    'yes',
    'no',
    'y',
    'n',
    'on',
    'off',
    'of',
    '1',
    '0',
    'tr',
    'fals',
  ],
  date: [
    '2000-01-01',
    '1999-12-31',
    null,
    '2024-02-29',
    '2000-02-29',
    '1900-02-28',
    '1900-03-01',
    '1600-02-29',
    '0001-01-01',
    '9999-12-31',
    '1970-01-01',
    '2038-01-19',
    '1582-10-10',
    'infinity',
    '-infinity',
    'Infinity',
    'epoch',
  ],
  datetime: [
    '2024-02-29 13:45:00',
    '2024-02-29T13:45:00',
    null,
    '2024-01-01',
    '2024-01-01 10:00',
    '2024-01-01T10:00',
    '2024-01-01 10:00:00.5',
    '2024-01-01 10:00:00.',
    '2024-01-01 10:00:00.123456',
    '2024-01-01 10:00:00.1234565',
    '2024-01-01 10:00:00.1234575',
    '2024-01-01 10:00:00.0000005',
    '2024-01-01 10:00:00.0000015',
    '2024-01-01 10:00:00.0000025',
    '2024-01-01 10:00:00.123456789012345678901234567890',
    '2024-01-01 23:59:59.9999995',
    '2024-12-31 23:59:59.9999999',
    '2024-01-01 24:00:00',
    '2024-02-28 23:59:60',
    '2024-01-01 10:00:00Z',
    '2024-01-01 10:00:00+01',
    '2024-01-01T10:00:00+01:00',
    '2024-01-01 10:00:00-0530',
    '2024-01-01 10:00:00.25+15:59',
    '2024-01-01 10:00-15',
    '0001-01-01 00:00:00',
    '0001-01-01 00:00:00+01',
    '9999-12-31 23:59:59.999999',
    '1999-12-31 23:59:59.999999',
    '1969-07-20 20:17:40',
    '1600-02-29 12:00:00',
    '1712-01-01 00:00:00',
    '2287-12-31 23:59:59',
    'infinity',
    '-infinity',
    'epoch',
  ],
  timestamptz: [
    '2024-05-06T07:08:09.123Z',
    '1970-01-01T00:00:00.000Z',
    null,
    '2000-01-01T00:00:00Z',
    '1999-12-31T23:59:59.999Z',
    '2024-02-29T23:30:00+01:00',
    '2024-02-29 23:30:00-05',
    '2024-03-01T00:30:00-0530',
    '2024-01-01 10:00:00.5+15:59',
    '2024-01-01T10:00:00.0000005Z',
    '2024-12-31T23:59:59.9999999Z',
    '0001-01-01T00:00:00+01',
    '9999-12-31T23:59:59.999999Z',
    '9999-12-31T23:59:59.999999-15',
    new Date(Date.UTC(2024, 6, 1, 12, 34, 56, 789)).toISOString(),
    'infinity',
    '-infinity',
    'epoch',
  ],
}

const SQL: Record<BinaryType, { sql: string; send: string }> = {
  string: { sql: 'text', send: 'textsend' },
  integer: { sql: 'bigint', send: 'int8send' },
  number: { sql: 'numeric', send: 'numeric_send' },
  boolean: { sql: 'boolean', send: 'boolsend' },
  date: { sql: 'date', send: 'date_send' },
  datetime: { sql: 'timestamp', send: 'timestamp_send' },
  timestamptz: { sql: 'timestamptz', send: 'timestamptz_send' },
}
const TYPES = Object.keys(VALUES) as BinaryType[]
const ROWS = Math.max(...TYPES.map((t) => VALUES[t].length))
const valueAt = (type: BinaryType, row: number) => VALUES[type][row] ?? null

async function copyInto(client: pg.Client, sql: string, chunks: (string | Buffer)[]): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(sql)))
}

/** Per row: each column as text and as its binary send bytes, which show the stored value exactly. */
async function stored(client: pg.Client, table: string): Promise<Record<string, string | null>[]> {
  const columns = TYPES.flatMap((t) => [
    `c_${t}::text AS ${t}`,
    `encode(${SQL[t].send}(c_${t}), 'hex') AS ${t}_sent`,
  ])
  return (await client.query(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY n`)).rows
}

describe('binary COPY against PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let client: pg.Client
  let viaText: Record<string, string | null>[]
  let viaBinary: Record<string, string | null>[]

  beforeAll(async () => {
    db = await createTestDatabase()
    client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const columns = TYPES.map((t) => `c_${t} ${SQL[t].sql}`).join(', ')
    const names = TYPES.map((t) => `c_${t}`).join(', ')
    await client.query(`CREATE TABLE via_text (n bigint, ${columns})`)
    await client.query(`CREATE TABLE via_binary (n bigint, ${columns})`)

    const lines: string[] = []
    for (let row = 0; row < ROWS; row++) {
      lines.push(`${[String(row), ...TYPES.map((t) => copyText(valueAt(t, row)))].join('\t')}\n`)
    }
    await copyInto(client, `COPY via_text (n, ${names}) FROM STDIN`, lines)

    // A small chunk size makes the rows span many chunks; the long texts make the buffer grow.
    const writer = new BinaryCopyWriter(1024)
    const ordinal = binaryFieldWriter('integer')
    const fields = TYPES.map(binaryFieldWriter)
    const chunks: Buffer[] = []
    for (let row = 0; row < ROWS; row++) {
      writer.startRow(1 + fields.length)
      ordinal(writer, String(row))
      for (let i = 0; i < fields.length; i++) fields[i]!(writer, valueAt(TYPES[i]!, row))
      if (writer.full) chunks.push(writer.take())
    }
    chunks.push(writer.finish())
    expect(chunks.length).toBeGreaterThan(5)
    await copyInto(client, `COPY via_binary (n, ${names}) FROM STDIN (FORMAT binary)`, chunks)

    viaText = await stored(client, 'via_text')
    viaBinary = await stored(client, 'via_binary')
  })

  afterAll(async () => {
    await client?.end()
    await db?.drop()
  })

  /** The values of a type whose stored form differs between the two COPYs (none, when all is well). */
  function differences(type: BinaryType) {
    expect(viaBinary).toHaveLength(ROWS)
    expect(viaText).toHaveLength(ROWS)
    return VALUES[type]
      .map((input, row) => ({
        input,
        text: [viaText[row]![type], viaText[row]![`${type}_sent`]],
        binary: [viaBinary[row]![type], viaBinary[row]![`${type}_sent`]],
      }))
      .filter((d) => d.text[0] !== d.binary[0] || d.text[1] !== d.binary[1])
      .map((d) => ({ ...d, input: d.input && d.input.length > 200 ? `${d.input.slice(0, 200)}…` : d.input }))
  }

  it('text is stored byte for byte: unicode, tabs, newlines, backslashes, empty strings and NULL alike', () => {
    expect(differences('string')).toEqual([])
  })

  it('a bigint is stored exactly, 18-digit, signed and extreme values included', () => {
    expect(differences('integer')).toEqual([])
  })

  it('a numeric with an exponent, many decimals or leading zeros is stored as numeric_in would store it', () => {
    expect(differences('number')).toEqual([])
    // The scale survives too: the comparison above includes the text form.
    expect(viaBinary[VALUES.number.indexOf('1.2345e-7')]!.number).toBe('0.00000012345')
    expect(viaBinary[VALUES.number.indexOf('1.50')]!.number).toBe('1.50')
  })

  it('a boolean in any spelling boolin accepts is stored as boolin would store it', () => {
    expect(differences('boolean')).toEqual([])
  })

  it('dates, leap days and the special dates are stored as date_in would store them', () => {
    expect(differences('date')).toEqual([])
  })

  it('a timestamp keeps its wall-clock time: fractions round as PostgreSQL rounds them and a zone is ignored', () => {
    expect(differences('datetime')).toEqual([])
    expect(viaBinary[VALUES.datetime.indexOf('2024-12-31 23:59:59.9999999')]!.datetime).toBe(
      '2025-01-01 00:00:00',
    )
  })

  it('a timestamptz is stored as the same instant', () => {
    expect(differences('timestamptz')).toEqual([])
  })

  /** Values PostgreSQL's text input rejects too: the encoder must never write something for them. */
  const REJECTED: [BinaryType, string[]][] = [
    ['integer', ['', '-', '+', '1.5', '12a', '1e3', 'abc', '9223372036854775808', '-9223372036854775809']],
    [
      'number',
      [
        '',
        '.',
        '-',
        'e5',
        '1e',
        '1e+',
        '1.2.3',
        '1e5.5',
        '1,5',
        'abc',
        '-NaN',
        '+NaN',
        'infinit',
        'constructor',
        '1e-16384',
        '0e-16384',
        '1e131072',
        '1e1073741822',
        '0e1073741823',
        '1e99999999999999999999',
      ],
    ],
    ['boolean', ['', 'o', 'maybe', '2', 'truex', 'yess']],
    ['date', ['', '2023-02-29', '2024-13-01', '2024-00-10', '2024-01-32', '0000-01-01', '+infinity', 'x']],
    [
      'datetime',
      [
        '2024-01-01 25:00:00',
        '2024-01-01 24:00:01',
        '2024-01-01 23:59:60.5',
        '2024-01-01 10:60:00',
        '2024-01-01 10:00:61',
        '2024-01-01 10:00:00+16',
        '2024-01-01 10:00:00+01:60',
        '2023-02-29 00:00:00',
        '2024-01-01 10:00:00,5',
        '2024-01-01 10:00:00 nonsense',
      ],
    ],
    ['timestamptz', ['2024-01-01 10:00:00+16', '2024-02-30T00:00:00Z', '2024-01-01T10:00:00.5Q']],
  ]

  /** Values PostgreSQL accepts but the encoder refuses, as the converters never produce them. */
  const REFUSED: [BinaryType, string[]][] = [
    ['integer', [' 12', '12 ']],
    ['number', [' 1.5', '1.5 ']],
    ['boolean', [' t', 'f ']],
    ['date', ['2024-1-1', '01/02/2024', '2024-01-01 10:00:00', 'today', '10000-01-01']],
    ['datetime', ['2024-01-01 1:00:00', '2024-01-01 10:00:00 UTC', '2024-01-01 10:00:00+01:00:30', 'now']],
    ['timestamptz', ['2024-01-01 10:00:00', '2024-01-01T10:00:00.123']],
  ]

  for (const [type, values] of REJECTED) {
    it(`a ${SQL[type].sql} PostgreSQL would reject throws an error naming the value and type`, async () => {
      for (const value of values) {
        expect(() => fieldHex(type, value), value).toThrow(BinaryEncodingError)
        expect(() => fieldHex(type, value), value).toThrow(`cannot encode ${JSON.stringify(value)} as`)
        await expect(client.query(`SELECT $1::${SQL[type].sql}`, [value]), value).rejects.toThrow()
      }
    })
  }

  for (const [type, values] of REFUSED) {
    it(`a ${SQL[type].sql} in a spelling the converters never give throws rather than guess`, async () => {
      for (const value of values) {
        expect(() => fieldHex(type, value), value).toThrow(`cannot encode ${JSON.stringify(value)} as`)
        await client.query(`SELECT $1::${SQL[type].sql}`, [value]) // PostgreSQL itself takes it
      }
    })
  }

  it('a timestamptz without a zone says why it cannot be encoded', () => {
    expect(() => fieldHex('timestamptz', '2024-01-01 10:00:00')).toThrow(/session time zone/)
  })

  it('a NUL character is refused by PostgreSQL in both formats', async () => {
    await expect(copyInto(client, 'COPY via_text (c_string) FROM STDIN', ['a\0b\n'])).rejects.toThrow()
    const writer = new BinaryCopyWriter()
    writer.startRow(1)
    binaryFieldWriter('string')(writer, 'a\0b')
    await expect(
      copyInto(client, 'COPY via_binary (c_string) FROM STDIN (FORMAT binary)', [writer.finish()]),
    ).rejects.toThrow()
  })
})
