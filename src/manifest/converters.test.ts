import { describe, expect, it } from 'vitest'
import type { FieldType } from '../model/manifest.js'
import type { CellValue } from '../model/table.js'
import { converterFor } from './converters.js'
import { toSqlText } from './values.js'

const CASES: [FieldType, CellValue[]][] = [
  [
    'integer',
    ['0', '-5', '12', '007', '1,234', ' 42 ', '*', '', null, 12, 2 ** 60, '1234567890123456789', 'x'],
  ],
  ['number', ['0', '0.5', '-3.25', '05.5', '1e3', '1,234.5', '.5', ':', 2.5, Number.NaN, 'abc']],
  [
    'date',
    [
      '2024-02-29',
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-04-00',
      '1900-02-29',
      '2000-02-29',
      '2024-1-01',
      '2024/01/01',
      '2024-01-0a',
      ' 2024-01-01',
      '29/02/2024',
      '01AUG2020',
      'MAR2019',
      '..',
      new Date(Date.UTC(2024, 0, 1)),
    ],
  ],
  ['string', ['text', '', '  padded ', 3.5, true, new Date(Date.UTC(2024, 0, 1)), null]],
  ['datetime', ['2024-01-01 10:00', '2024-01-01', 'x']],
]

const outcome = (f: () => string | null) => {
  try {
    return { value: f() }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

describe('converters', () => {
  for (const [type, values] of CASES) {
    it(`the ${type} fast path gives what toSqlText gives, values and errors alike`, () => {
      const convert = converterFor(type)
      for (const value of values) {
        expect(
          outcome(() => convert(value)),
          `${type} ${String(value)}`,
        ).toEqual(outcome(() => toSqlText(value, type)))
      }
    })
  }
})

describe('converters on numbers-like text of every shape', () => {
  // Seeded, so a failure names a case that reproduces.
  let seed = 20261204
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const ALPHABET = '-0123456789.+e ,'
  const texts = Array.from({ length: 20_000 }, () => {
    const length = Math.floor(random() * 22)
    let text = ''
    for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]
    return text
  })
  texts.push('0', '-0', '00', '-', '.', '0.', '.0', '-0.5', '123456789012345678', '1234567890123456789')

  for (const type of ['integer', 'number'] as const) {
    it(`the ${type} fast path gives what toSqlText gives on ${texts.length} texts`, () => {
      const convert = converterFor(type)
      for (const text of texts) {
        expect(
          outcome(() => convert(text)),
          `${type} ${JSON.stringify(text)}`,
        ).toEqual(outcome(() => toSqlText(text, type)))
      }
    })
  }
})
