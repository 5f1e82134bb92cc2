/**
 * The one period grammar. A period in config is authoritative: it is never parsed out of a file name.
 *
 *   YYYY-MM     a month            2025-11
 *   YYYY-Qn     a calendar quarter 2025-Q3
 *   FYYYYY-YY   an April–March financial year  FY2024-25
 *   YYYY        a calendar year    2024
 */
export type PeriodKind = 'month' | 'quarter' | 'financial_year' | 'year'

export interface Period {
  readonly key: string
  readonly kind: PeriodKind
  /** First day, inclusive, as YYYY-MM-DD. */
  readonly start: string
  /** Last day, inclusive, as YYYY-MM-DD. */
  readonly end: string
}

export const PERIOD_GRAMMAR = 'YYYY-MM (2025-11), YYYY-Qn (2025-Q3), FYYYYY-YY (FY2024-25) or YYYY (2024)'

const pad = (n: number) => String(n).padStart(2, '0')
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()
const ymd = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`

function span(key: string, kind: PeriodKind, y1: number, m1: number, y2: number, m2: number): Period {
  return { key, kind, start: ymd(y1, m1, 1), end: ymd(y2, m2, lastDay(y2, m2)) }
}

/** Parses a period, or returns an error message that states the grammar. */
export function parsePeriod(text: string): Period | { error: string } {
  const s = text.trim()
  let m = /^(\d{4})-(\d{2})$/.exec(s)
  if (m) {
    const year = Number(m[1])
    const month = Number(m[2])
    if (month >= 1 && month <= 12) return span(s, 'month', year, month, year, month)
  }
  m = /^(\d{4})-Q([1-4])$/.exec(s)
  if (m) {
    const year = Number(m[1])
    const q = Number(m[2])
    return span(s, 'quarter', year, q * 3 - 2, year, q * 3)
  }
  m = /^FY(\d{4})-(\d{2})$/.exec(s)
  if (m) {
    const year = Number(m[1])
    if ((year + 1) % 100 === Number(m[2])) return span(s, 'financial_year', year, 4, year + 1, 3)
    return {
      error: `"${text}" is not a financial year: FY${year}-${pad((year + 1) % 100)} follows FY${year}`,
    }
  }
  m = /^(\d{4})$/.exec(s)
  if (m) {
    const year = Number(m[1])
    return span(s, 'year', year, 1, year, 12)
  }
  return { error: `"${text}" is not a period; expected ${PERIOD_GRAMMAR}` }
}

export function isPeriodError(p: Period | { error: string }): p is { error: string } {
  return 'error' in p
}
