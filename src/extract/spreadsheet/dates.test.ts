import { describe, expect, it } from 'vitest'
import { excelSerialToDate, isBuiltinDateFormat, isDateFormatCode, parseIsoDate } from './dates.js'

describe('isDateFormatCode', () => {
  it.each([
    'dd/mm/yyyy',
    'mmm-yy',
    'yyyy-mm-dd hh:mm',
    'd-mmm-yy',
    'h:mm AM/PM',
    '[h]:mm:ss',
    '[mm]:ss',
    '[ss]',
    '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy',
    '[$-809]dd mmmm yyyy',
    'DD/MM/YYYY',
    '"Week of "dd/mm',
  ])('sees a date or time in %s', (code) => {
    expect(isDateFormatCode(code)).toBe(true)
  })

  it.each([
    'General',
    '0.00',
    '#,##0',
    '0%',
    '0.0%',
    '@',
    '"Day "0',
    '0\\d',
    '[Red]0;[Blue]-0',
    '"£"#,##0;[Red]\\-"£"#,##0',
    '_-* #,##0.00_-;\\-* #,##0.00_-;_-* "-"??_-;_-@_-',
    '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    '#,##0.00,,',
    '0.00E+00',
    '',
  ])('sees no date in %s', (code) => {
    expect(isDateFormatCode(code)).toBe(false)
  })
})

describe('isBuiltinDateFormat', () => {
  it('knows the built-in date and time format ids', () => {
    const ids = Array.from({ length: 60 }, (_, i) => i).filter(isBuiltinDateFormat)
    expect(ids).toEqual([
      14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53,
      54, 55, 56, 57, 58,
    ])
  })
})

describe('excelSerialToDate', () => {
  it('counts serials before the fake 1900-02-29 from 1899-12-31', () => {
    expect(excelSerialToDate(1, false)).toEqual(new Date('1900-01-01T00:00:00Z'))
    expect(excelSerialToDate(59, false)).toEqual(new Date('1900-02-28T00:00:00Z'))
    expect(excelSerialToDate(0.5, false)).toEqual(new Date('1899-12-31T12:00:00Z'))
  })

  it('counts serials from 61 on from 1899-12-30', () => {
    expect(excelSerialToDate(61, false)).toEqual(new Date('1900-03-01T00:00:00Z'))
    expect(excelSerialToDate(45000, false)).toEqual(new Date('2023-03-15T00:00:00Z'))
    expect(excelSerialToDate(45306.6041666667, false)).toEqual(new Date('2024-01-15T14:30:00Z'))
  })

  it('rounds to the nearest millisecond', () => {
    expect(excelSerialToDate(45000 + 1 / 86_400_000 / 3, false)).toEqual(new Date('2023-03-15T00:00:00.000Z'))
    expect(excelSerialToDate(45000.00001157407, false)).toEqual(new Date('2023-03-15T00:00:01.000Z'))
  })

  it('counts 1904-system serials from 1904-01-01', () => {
    expect(excelSerialToDate(0, true)).toEqual(new Date('1904-01-01T00:00:00Z'))
    expect(excelSerialToDate(43844, true)).toEqual(new Date('2024-01-15T00:00:00Z'))
  })
})

describe('parseIsoDate', () => {
  it('reads zone-less date-times as UTC', () => {
    expect(parseIsoDate('2024-02-29T12:00:00')).toEqual(new Date('2024-02-29T12:00:00Z'))
    expect(parseIsoDate('2024-02-29')).toEqual(new Date('2024-02-29T00:00:00Z'))
    expect(parseIsoDate('2024-02-29T12:00:00+01:00')).toEqual(new Date('2024-02-29T11:00:00Z'))
    expect(parseIsoDate('not a date')).toBeUndefined()
  })
})
