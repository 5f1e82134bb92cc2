import { describe, expect, it } from 'vitest'
import { isPeriodError, PERIOD_GRAMMAR, type Period, parsePeriod } from './period.js'

function period(text: string): Period {
  const parsed = parsePeriod(text)
  if (isPeriodError(parsed)) throw new Error(`expected a period, got: ${parsed.error}`)
  return parsed
}

function errorOf(text: string): string {
  const parsed = parsePeriod(text)
  if (!isPeriodError(parsed)) throw new Error(`expected an error for ${text}, got ${JSON.stringify(parsed)}`)
  return parsed.error
}

describe('parsePeriod: months (YYYY-MM)', () => {
  it('a month runs from its first to its last day', () => {
    expect(period('2025-11')).toEqual({
      key: '2025-11',
      kind: 'month',
      start: '2025-11-01',
      end: '2025-11-30',
    })
  })

  it('February ends on the 29th in a leap year and the 28th otherwise', () => {
    expect(period('2024-02').end).toBe('2024-02-29')
    expect(period('2023-02').end).toBe('2023-02-28')
  })

  it('century years follow the Gregorian leap rule (2000 leaps, 1900 does not)', () => {
    expect(period('2000-02').end).toBe('2000-02-29')
    expect(period('1900-02').end).toBe('1900-02-28')
  })

  it('December ends on the 31st of the same year', () => {
    expect(period('2024-12')).toMatchObject({ start: '2024-12-01', end: '2024-12-31' })
  })

  it.each(['2024-13', '2024-00', '2024-1', '2024-123'])('rejects the month %s', (text) => {
    expect(errorOf(text)).toBe(`"${text}" is not a period; expected ${PERIOD_GRAMMAR}`)
  })
})

describe('parsePeriod: quarters (YYYY-Qn)', () => {
  it.each([
    ['2025-Q1', '2025-01-01', '2025-03-31'],
    ['2025-Q2', '2025-04-01', '2025-06-30'],
    ['2025-Q3', '2025-07-01', '2025-09-30'],
    ['2025-Q4', '2025-10-01', '2025-12-31'],
  ])('%s covers %s to %s', (text, start, end) => {
    expect(period(text)).toEqual({ key: text, kind: 'quarter', start, end })
  })

  it.each(['2025-Q0', '2025-Q5', '2025-q1', '2025Q1'])('rejects the quarter %s', (text) => {
    expect(errorOf(text)).toContain(PERIOD_GRAMMAR)
  })
})

describe('parsePeriod: financial years (FYYYYY-YY)', () => {
  it('a financial year runs from 1 April to 31 March of the next year', () => {
    expect(period('FY2024-25')).toEqual({
      key: 'FY2024-25',
      kind: 'financial_year',
      start: '2024-04-01',
      end: '2025-03-31',
    })
  })

  it('a financial year across a century ends in year 00', () => {
    expect(period('FY1999-00')).toMatchObject({ start: '1999-04-01', end: '2000-03-31' })
  })

  it('a second year that does not follow the first is an error naming the right pair', () => {
    expect(errorOf('FY2024-26')).toBe('"FY2024-26" is not a financial year: FY2024-25 follows FY2024')
    expect(errorOf('FY2024-24')).toBe('"FY2024-24" is not a financial year: FY2024-25 follows FY2024')
  })

  it('a four-digit second year is not the grammar', () => {
    expect(errorOf('FY2024-2025')).toBe(`"FY2024-2025" is not a period; expected ${PERIOD_GRAMMAR}`)
  })
})

describe('parsePeriod: calendar years (YYYY)', () => {
  it('a year runs from 1 January to 31 December', () => {
    expect(period('2024')).toEqual({ key: '2024', kind: 'year', start: '2024-01-01', end: '2024-12-31' })
  })

  it('surrounding spaces are ignored and left out of the key', () => {
    expect(period(' 2024 ').key).toBe('2024')
    expect(period('\t2025-11 ').key).toBe('2025-11')
  })
})

describe('parsePeriod: anything else', () => {
  it.each(['nov25', 'Nov 2025', '24-11', '2025/11', '2025-11-01', '', '24', 'FY24-25'])(
    '"%s" is an error that states the grammar',
    (text) => {
      expect(errorOf(text)).toBe(`"${text}" is not a period; expected ${PERIOD_GRAMMAR}`)
    },
  )

  it('the grammar names every form with an example', () => {
    expect(PERIOD_GRAMMAR).toBe('YYYY-MM (2025-11), YYYY-Qn (2025-Q3), FYYYYY-YY (FY2024-25) or YYYY (2024)')
  })

  it('isPeriodError tells an error from a period', () => {
    expect(isPeriodError(parsePeriod('2024'))).toBe(false)
    expect(isPeriodError(parsePeriod('nope'))).toBe(true)
  })
})
