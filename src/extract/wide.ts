/**
 * Wide tables: a column per period (month, quarter, year, financial year, day) instead of a row per period.
 * Detected from the header labels; turned long on request (one row per period, a "Period" column).
 */
import {
  DataWarpError,
  type ExtractedTable,
  type PeriodColumn,
  type RowObserver,
  type TableRow,
  type WideLayout,
} from '../model/table.js'

/** Footnote markers: "[1]", "[2, 3]", "[note 4]", "[7. 11]", superscript digits. Not part of a period. */
const FOOTNOTE =
  /\s*\[\s*(?:notes?\s*)?\d+(?:\s*(?:[,.;&]|and)\s*\d+)*\s*\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+/gi

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)'
const YEAR = '(?:19|20)\\d\\d'

/** Texts that name one period on their own. */
const PERIOD_PATTERNS: readonly RegExp[] = [
  new RegExp(`^${YEAR}-\\d\\d(?:-\\d\\d)?$`), // 2025-11, 2022-04-01 (Excel date headers)
  new RegExp(`^${MONTH}[-\\s./']*(?:${YEAR}|\\d\\d)$`, 'i'), // Jan-24, January 2024, MAR2019
  new RegExp(`^\\d{1,2}[-\\s/]${MONTH}[-\\s/]*(?:${YEAR}|\\d\\d)$`, 'i'), // 01-Apr-2024
  new RegExp(`^(?:FY\\s?)?${YEAR}\\s?[-/–]\\s?(?:\\d\\d|${YEAR})$`, 'i'), // 2002/03, 2024-25, FY2024-25
  new RegExp(`^${YEAR}$`), // 2024
  new RegExp(`^(?:${YEAR}\\s?-?\\s?Q[1-4]|Q[1-4]\\s?-?\\s?${YEAR}(?:[-/]\\d\\d)?)$`, 'i'), // 2024-Q1, Q1 2024-25
  /^\d{1,2}\/\d{1,2}\/(?:\d{4}|\d\d)$/, // 01/04/2022
  /^(?:w\/?c|week (?:commencing|ending|to)|w\/e)\s+.+$/i, // w/c 01/04/2022 (daily snapshot)
  new RegExp(`^${MONTH}\\s+${YEAR}\\s*[-–]\\s*${MONTH}\\s+${YEAR}$`, 'i'), // April 2023 - March 2024
]

/** The least number of period columns for a table to count as wide. */
const MIN_PERIODS = 3

export function withoutFootnotes(text: string): string {
  return text.replace(FOOTNOTE, ' ').replace(/\s+/g, ' ').trim()
}

export function isPeriodText(text: string): boolean {
  const t = withoutFootnotes(text)
  return t.length > 0 && t.length <= 60 && PERIOD_PATTERNS.some((p) => p.test(t))
}

const BARE_MONTH = new RegExp(`^${MONTH}$`, 'i')

/** A header part that names a period, or a month that a year in another part of the label completes. */
const isPeriodPart = (part: string) => isPeriodText(part) || BARE_MONTH.test(withoutFootnotes(part))

/**
 * Whether a table has a column per period, and which. The parts of a column's label that name a period
 * ("2024-25", "April", "Jan-24", an Excel date) make its period ("2024-25 April"); the other parts its measure.
 * A table is wide when at least three columns name three distinct periods; the other columns identify rows.
 */
export function detectWide(headers: readonly string[]): WideLayout | undefined {
  const periodColumns: PeriodColumn[] = []
  const written: string[] = []
  const idColumns: number[] = []
  headers.forEach((header, column) => {
    const parts = header === '' ? [] : header.split(' > ')
    const periodParts = parts.filter(isPeriodPart)
    if (periodParts.length === 0 || periodParts.length === parts.length + 1) {
      idColumns.push(column)
      return
    }
    periodColumns.push({
      column,
      period: periodParts.map(withoutFootnotes).join(' '),
      measure: parts.filter((p) => !isPeriodPart(p)).join(' > '),
    })
    written.push(periodParts.map((p) => p.replace(/\s+/g, ' ').trim()).join(' '))
  })
  if (periodColumns.length < MIN_PERIODS) return undefined
  const periods = distinctPeriods(periodColumns, written)
  if (periods.length < MIN_PERIODS) return undefined
  return { idColumns, periodColumns, periods, measures: [...new Set(periodColumns.map((c) => c.measure))] }
}

/**
 * Distinct periods in column order. Two columns of one measure that name the same period (a break in a
 * series: "2014/15" and "2014/15 [note 4]") keep their header as written, footnote and all, to stay apart.
 */
function distinctPeriods(columns: PeriodColumn[], written: readonly string[]): string[] {
  const taken = new Set(columns.map((c) => `${c.period}\u0000${c.measure}`))
  const seen = new Set<string>()
  for (const [i, c] of columns.entries()) {
    const key = `${c.period}\u0000${c.measure}`
    if (!seen.has(key)) {
      seen.add(key)
      continue
    }
    let period = written[i]!
    for (let n = 2; taken.has(`${period}\u0000${c.measure}`); n++) period = `${written[i]} (${n})`
    columns[i] = { ...c, period }
    taken.add(`${period}\u0000${c.measure}`)
    seen.add(`${period}\u0000${c.measure}`)
  }
  return [...new Set(columns.map((c) => c.period))]
}

export interface LongShape {
  readonly headers: readonly string[]
  readonly batches: (observer?: RowObserver) => AsyncIterable<readonly TableRow[]>
}

/**
 * The long shape of a wide table: its identifying columns, a "Period" column, and one value column per
 * measure ("Value" when each period has one). Each source row gives one row per period, in column order,
 * at the source row's position (empty cells stay, as NULL values: the long table holds every cell).
 */
export function longShape(
  headers: readonly string[],
  wide: WideLayout,
  batches: (observer?: RowObserver) => AsyncIterable<readonly TableRow[]>,
  periodLabel = 'Period',
): LongShape {
  const measures = wide.measures
  const valueHeaders =
    measures.length === 1 && measures[0] === '' ? ['Value'] : measures.map((m) => m || 'Value')
  const outHeaders = [...wide.idColumns.map((c) => headers[c]!), periodLabel, ...valueHeaders]
  const byPeriod = new Map<string, number[]>()
  for (const p of wide.periods) byPeriod.set(p, new Array(measures.length).fill(-1))
  for (const c of wide.periodColumns) byPeriod.get(c.period)![measures.indexOf(c.measure)] = c.column
  const plan = [...byPeriod]
  return {
    headers: outHeaders,
    async *batches(observer?: RowObserver) {
      for await (const batch of batches(observer)) {
        const out: TableRow[] = []
        for (const row of batch) {
          const ids = wide.idColumns.map((c) => row.cells[c] ?? null)
          for (const [period, columns] of plan) {
            const values = columns.map((c) => (c < 0 ? null : (row.cells[c] ?? null)))
            out.push({ position: row.position, cells: [...ids, period, ...values] })
          }
        }
        if (out.length > 0) yield out
      }
    },
  }
}

/**
 * The table turned long: its identifying columns, "Period", and a value column per measure, one row per
 * (row, period). Throws when the table has no column per period (a source set to unpivot that is not wide).
 */
export function unpivotTable(table: ExtractedTable): ExtractedTable {
  const wide = table.wide
  if (!wide) {
    throw new DataWarpError(
      'the source is set to unpivot, but this table has no column per period (no month, quarter or year headers)',
      { file: table.file, sheet: table.sheet },
    )
  }
  const taken = new Set(wide.idColumns.map((c) => table.headers[c]!.toLowerCase()))
  const periodLabel = taken.has('period') ? 'Period (from the header)' : 'Period'
  const long = longShape(table.headers, wide, (observer) => table.batches(observer), periodLabel)
  const {
    headerCells: _cells,
    columnRefs: _refs,
    wide: _wide,
    batches: _batches,
    rows: _rows,
    ...rest
  } = table
  return {
    ...rest,
    headers: long.headers,
    unpivoted: wide,
    batches: long.batches,
    async *rows(observer?: RowObserver) {
      for await (const batch of long.batches(observer)) yield* batch
    },
  }
}
