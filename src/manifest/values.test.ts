import { describe, expect, it } from 'vitest'
import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import { converterFor } from './converters.js'
import {
  classify,
  MISSING_MARKERS,
  MissingValues,
  parseTextDate,
  parseTextDateTime,
  stringText,
  toSqlText,
  typeFor,
  ValueError,
  type ValueKind,
  widenType,
} from './values.js'

const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) =>
  new Date(Date.UTC(y, m - 1, d, h, min, s, ms))

describe('classify: text', () => {
  it.each(['12', '-12', '+12', '0', '  42  ', '123456789012345678', '-123456789012345678'])(
    '%j is an integer',
    (text) => {
      expect(classify(text)).toBe('integer')
    },
  )

  it.each(['1,234', '12,345,678', '-1,000'])('%j, grouped in thousands, is an integer', (text) => {
    expect(classify(text)).toBe('integer')
  })

  it.each(['00123', '007', '0001', '00.5', '01.5', '-01.25'])(
    '%j with a leading zero stays a string (a code)',
    (text) => {
      expect(classify(text)).toBe('string')
    },
  )

  it.each([
    '1,23',
    '1234,567',
    '1 234',
    '£5',
    '5%',
    '0x10',
    '1_000',
    'NaN',
    'Infinity',
    '--',
    '1.2.3',
    '1.5x',
  ])('%j is not a number but a string', (text) => {
    expect(classify(text)).toBe('string')
  })

  it.each(['1.5', '.5', '5.', '-0.5', '0.5', '+3.25', '12.50', '1e5', '1.2E-3', '-3e+2', '1,234.56'])(
    '%j is a number',
    (text) => {
      expect(classify(text)).toBe('number')
    },
  )

  it('an integer of 19 or more digits is a number (it does not fit a bigint)', () => {
    expect(classify('1234567890123456789')).toBe('number')
    expect(classify('-1234567890123456789')).toBe('number')
    expect(classify('1,234,567,890,123,456,789')).toBe('number')
  })

  it.each([...MISSING_MARKERS, ' * ', ' [c] '])('%j is a suppression marker', (text) => {
    expect(classify(text)).toBe('marker')
  })

  it('the markers are the NHS suppression and placeholder symbols, "not applicable" and Excel errors', () => {
    expect([...MISSING_MARKERS]).toEqual([
      ...['*', 'c', ':', '..', '-', 'x', 'z', '[c]', '[x]', '[z]'],
      ...['N/A', 'n/a', 'NA'],
      ...['#N/A', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#NULL!', '#SPILL!', '#CALC!'],
    ])
  })

  it.each(['N/A', ' n/a ', '#DIV/0!', '#N/A'])('%j is a marker', (text) => {
    expect(classify(text)).toBe('marker')
  })

  it("a manifest's missingValues are markers as well as the defaults", () => {
    const missing = MissingValues.of({ sources: [{ schema: { missingValues: ['*', 'not known'] } }] })
    expect(classify('not known', missing)).toBe('marker')
    expect(classify('not known')).toBe('string')
    expect(classify('[c]', missing)).toBe('marker')
    expect(toSqlText('not known', 'integer', missing)).toBeNull()
  })

  it('a listed marker that reads as a number is a marker, in text and in numeric cells', () => {
    const missing = MissingValues.of({ sources: [{ schema: { missingValues: ['-1', '9999'] } }] })
    expect(classify('-1', missing)).toBe('marker')
    expect(classify(' 9999 ', missing)).toBe('marker')
    expect(classify(-1, missing)).toBe('marker')
    expect(classify('-2', missing)).toBe('integer')
    expect(toSqlText('9999', 'integer', missing)).toBeNull()
    expect(toSqlText('-1', 'string', missing)).toBe('-1')
    const integer = converterFor('integer', missing)
    expect([integer('-1'), integer(9999), integer('5'), integer('*')]).toEqual([null, null, '5', null])
  })

  it.each(['0000-01-01', '01/01/0000', '01JAN0000'])('%j is not a date: there is no year 0', (text) => {
    expect(classify(text)).toBe('string')
  })

  it.each(['C', 'X', 'Z', 'Unknown', 'N/K', 'yes'])('%j is a string, not a marker', (text) => {
    expect(classify(text)).toBe('string')
  })

  it.each(['true', 'FALSE', 'True', ' false '])('%j is a boolean', (text) => {
    expect(classify(text)).toBe('boolean')
  })

  it.each(['', '   ', '\t'])('%j is empty', (text) => {
    expect(classify(text)).toBe('empty')
  })

  it.each([
    '2024-02-29',
    '29/02/2024',
    '1/2/2024',
    '01AUG2020',
    '01Jul2026',
    '01-Aug-2020',
    '01 Aug 2020',
    '1 Aug 2020',
    'MAR2019',
    'Mar-2019',
    'Mar 2019',
  ])('%j is a date', (text) => {
    expect(classify(text)).toBe('date')
  })

  it.each(['31/02/2024', '2023-02-29', '2024-13-01', '32/01/2024', 'Foo2019', '01Xyz2020'])(
    '%j, not a real date, is a string',
    (text) => {
      expect(classify(text)).toBe('string')
    },
  )

  it.each([
    '2024-02-29T13:45',
    '2024-02-29 13:45:10',
    '2024-02-29T13:45:10.123Z',
    '2024-02-29T13:45:10+01:00',
    '29/02/2024 09:30',
    '29/02/2024 9:30:15',
  ])('%j is a datetime', (text) => {
    expect(classify(text)).toBe('datetime')
  })

  it.each([
    '2024-02-29T24:00',
    '2024-02-29T13:60',
    '2024-02-29T13:45:61',
    '29/02/2024 09:75',
    '30/02/2024 09:30',
  ])('%j, not a real time, is a string', (text) => {
    expect(classify(text)).toBe('string')
  })
})

describe('classify: values from spreadsheets', () => {
  it('null is empty', () => {
    expect(classify(null)).toBe('empty')
  })

  it('a whole JS number is an integer, a fraction or an unsafe integer a number', () => {
    expect(classify(42)).toBe('integer')
    expect(classify(-0)).toBe('integer')
    expect(classify(1.5)).toBe('number')
    expect(classify(2 ** 53)).toBe('number')
    expect(classify(1e21)).toBe('number')
  })

  it('NaN and Infinity are strings', () => {
    expect(classify(Number.NaN)).toBe('string')
    expect(classify(Number.POSITIVE_INFINITY)).toBe('string')
  })

  it('booleans are booleans', () => {
    expect(classify(true)).toBe('boolean')
    expect(classify(false)).toBe('boolean')
  })

  it('a Date at UTC midnight is a date, any other instant a datetime', () => {
    expect(classify(utc(2024, 2, 29))).toBe('date')
    expect(classify(utc(2024, 2, 29, 13, 45))).toBe('datetime')
    expect(classify(utc(2024, 2, 29, 0, 0, 0, 1))).toBe('datetime')
  })
})

describe('parseTextDate and parseTextDateTime', () => {
  it.each([
    ['2024-02-29', '2024-02-29'],
    ['29/02/2024', '2024-02-29'],
    ['1/2/2024', '2024-02-01'],
    ['01AUG2020', '2020-08-01'],
    ['01-Aug-2020', '2020-08-01'],
    ['MAR2019', '2019-03-01'],
  ])('reads %j as %s', (text, iso) => {
    expect(parseTextDate(text)).toBe(iso)
  })

  it('returns undefined for an impossible day', () => {
    expect(parseTextDate('31/02/2024')).toBeUndefined()
    expect(parseTextDate('00/01/2024')).toBeUndefined()
  })

  it.each([
    ['2024-02-29T13:45', '2024-02-29 13:45:00'],
    ['2024-02-29 13:45:10.5', '2024-02-29 13:45:10.5'],
    ['2024-02-29T13:45:10Z', '2024-02-29 13:45:10Z'],
    ['2024-02-29T13:45:10+01:00', '2024-02-29 13:45:10+01:00'],
    ['29/02/2024 9:30', '2024-02-29 09:30:00'],
  ])('reads the datetime %j as %s', (text, sql) => {
    expect(parseTextDateTime(text)).toBe(sql)
  })
})

describe('typeFor', () => {
  const type = (...kinds: ValueKind[]) => typeFor(new Set(kinds))

  it('markers and empties do not decide a type', () => {
    expect(type('integer', 'marker', 'empty')).toBe('integer')
    expect(type('date', 'marker')).toBe('date')
    expect(type('boolean', 'empty')).toBe('boolean')
  })

  it('a column of nothing, or only markers, is a string', () => {
    expect(type()).toBe('string')
    expect(type('empty')).toBe('string')
    expect(type('marker', 'empty')).toBe('string')
  })

  it('integers and numbers make a number', () => {
    expect(type('integer', 'number')).toBe('number')
    expect(type('number')).toBe('number')
  })

  it('dates and datetimes make a datetime', () => {
    expect(type('date', 'datetime')).toBe('datetime')
    expect(type('datetime')).toBe('datetime')
  })

  it('anything with a string is a string', () => {
    expect(type('integer', 'string')).toBe('string')
    expect(type('date', 'string', 'marker')).toBe('string')
  })

  it('kinds that share no type make a string', () => {
    expect(type('integer', 'date')).toBe('string')
    expect(type('boolean', 'integer')).toBe('string')
    expect(type('number', 'datetime')).toBe('string')
  })
})

describe('widenType', () => {
  it.each<[FieldType, FieldType, FieldType]>([
    ['integer', 'integer', 'integer'],
    ['integer', 'number', 'number'],
    ['number', 'integer', 'number'],
    ['date', 'datetime', 'datetime'],
    ['datetime', 'date', 'datetime'],
    ['integer', 'string', 'string'],
    ['integer', 'date', 'string'],
    ['boolean', 'integer', 'string'],
    ['string', 'number', 'string'],
  ])('%s widened by %s is %s', (a, b, wide) => {
    expect(widenType(a, b)).toBe(wide)
  })
})

describe('toSqlText', () => {
  it('null is NULL in every type', () => {
    for (const type of ['integer', 'number', 'boolean', 'date', 'datetime', 'string'] as const) {
      expect(toSqlText(null, type)).toBeNull()
    }
  })

  it('markers and empty text are NULL in numeric, boolean and date fields', () => {
    expect(toSqlText('*', 'integer')).toBeNull()
    expect(toSqlText('c', 'number')).toBeNull()
    expect(toSqlText('[z]', 'date')).toBeNull()
    expect(toSqlText('..', 'datetime')).toBeNull()
    expect(toSqlText('-', 'boolean')).toBeNull()
    expect(toSqlText('  ', 'integer')).toBeNull()
  })

  it('markers are kept as text in string fields', () => {
    expect(toSqlText('*', 'string')).toBe('*')
    expect(toSqlText('[c]', 'string')).toBe('[c]')
  })

  it('a string field keeps text exactly as written', () => {
    expect(toSqlText(' 00123 ', 'string')).toBe(' 00123 ')
    expect(toSqlText('Unknown', 'string')).toBe('Unknown')
  })

  it('integers lose their thousands separators and surrounding spaces', () => {
    expect(toSqlText('1,234', 'integer')).toBe('1234')
    expect(toSqlText(' 42 ', 'integer')).toBe('42')
    expect(toSqlText(-7, 'integer')).toBe('-7')
  })

  it('numbers hold integers and decimals, grouped or not', () => {
    expect(toSqlText('1,234', 'number')).toBe('1234')
    expect(toSqlText('1,234.5', 'number')).toBe('1234.5')
    expect(toSqlText('1.2E-3', 'number')).toBe('1.2E-3')
    expect(toSqlText(5.5, 'number')).toBe('5.5')
    expect(toSqlText('1234567890123456789', 'number')).toBe('1234567890123456789')
  })

  it('booleans become t/f from JS values and lower case from text', () => {
    expect(toSqlText(true, 'boolean')).toBe('t')
    expect(toSqlText(false, 'boolean')).toBe('f')
    expect(toSqlText('TRUE', 'boolean')).toBe('true')
    expect(toSqlText(' False ', 'boolean')).toBe('false')
  })

  it('text dates become ISO dates', () => {
    expect(toSqlText('29/02/2024', 'date')).toBe('2024-02-29')
    expect(toSqlText('01AUG2020', 'date')).toBe('2020-08-01')
    expect(toSqlText('01-Aug-2020', 'date')).toBe('2020-08-01')
    expect(toSqlText('MAR2019', 'date')).toBe('2019-03-01')
    expect(toSqlText(' 2024-02-29 ', 'date')).toBe('2024-02-29')
  })

  it('Date objects become ISO dates or UTC timestamps', () => {
    expect(toSqlText(utc(2024, 2, 29), 'date')).toBe('2024-02-29')
    expect(toSqlText(utc(2024, 2, 29), 'datetime')).toBe('2024-02-29 00:00:00.000')
    expect(toSqlText(utc(2024, 2, 29, 13, 45, 10, 500), 'datetime')).toBe('2024-02-29 13:45:10.500')
  })

  it('a datetime field takes text dates at midnight and text datetimes', () => {
    expect(toSqlText('29/02/2024', 'datetime')).toBe('2024-02-29 00:00:00')
    expect(toSqlText('2024-02-29T13:45', 'datetime')).toBe('2024-02-29 13:45:00')
    expect(toSqlText('29/02/2024 9:30', 'datetime')).toBe('2024-02-29 09:30:00')
  })

  it('non-text values in a string field are written as their text', () => {
    expect(toSqlText(5, 'string')).toBe('5')
    expect(toSqlText(true, 'string')).toBe('TRUE')
    expect(toSqlText(utc(2024, 2, 29), 'string')).toBe('2024-02-29')
    expect(toSqlText(utc(2024, 2, 29, 1), 'string')).toBe('2024-02-29 01:00:00.000')
  })

  it.each<[CellValue, FieldType, string]>([
    ['1.5', 'integer', 'value "1.5" is not an integer'],
    [5.5, 'integer', 'value "5.5" is not an integer'],
    ['1234567890123456789', 'integer', 'value "1234567890123456789" is not an integer'],
    ['Unknown', 'integer', 'value "Unknown" is not an integer'],
    ['00123', 'number', 'value "00123" is not a number'],
    ['abc', 'date', 'value "abc" is not a date'],
    ['31/02/2024', 'date', 'value "31/02/2024" is not a date'],
    [utc(2024, 2, 29, 13, 45), 'date', 'value "2024-02-29 13:45:00.000" is not a date'],
    [1, 'boolean', 'value "1" is not a boolean'],
    ['2024-02-29', 'integer', 'value "2024-02-29" is not an integer'],
    [42, 'datetime', 'value "42" is not a datetime'],
  ])('%j does not fit %s and throws ValueError', (value, type, message) => {
    expect(() => toSqlText(value, type)).toThrow(ValueError)
    expect(() => toSqlText(value, type)).toThrow(message)
  })
})

describe('stringText', () => {
  it('writes every cell as the text a string field stores', () => {
    expect(stringText(null)).toBe('')
    expect(stringText(' as is ')).toBe(' as is ')
    expect(stringText(true)).toBe('TRUE')
    expect(stringText(false)).toBe('FALSE')
    expect(stringText(12.5)).toBe('12.5')
    expect(stringText(utc(2024, 2, 29))).toBe('2024-02-29')
    expect(stringText(utc(2024, 2, 29, 13, 45, 10))).toBe('2024-02-29 13:45:10.000')
  })
})
