/**
 * Periods written in text: the placeholders of a URL template, and the periods a file name or link text
 * mentions. Both follow the one period grammar of period.ts; this module only reads and writes its words.
 *
 * The config stays authoritative: discovery never invents a period from a file name. It asks whether a
 * name mentions one of the periods the config lists or schedules (see periodsMentioned).
 */
import { isPeriodError, type Period, type PeriodKind, parsePeriod } from './period.js'

export const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const

/** Every word that names a month: full names, three-letter abbreviations and "sept". */
const MONTH_WORDS = new Map<string, number>([
  ...MONTH_NAMES.map((name, i) => [name, i + 1] as const),
  ...MONTH_NAMES.map((name, i) => [name.slice(0, 3), i + 1] as const),
  ['sept', 9],
])

/** The number (1–12) of a month written as a number or a name ("nov", "November"), else undefined. */
export function monthNumber(value: string | number): number | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 1 && value <= 12 ? value : undefined
  const text = value.trim().toLowerCase()
  if (/^\d{1,2}$/.test(text)) return monthNumber(Number(text))
  return MONTH_WORDS.get(text)
}

const pad = (n: number) => String(n).padStart(2, '0')
const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

// ---------------------------------------------------------------------------------------------
// URL templates

/** Placeholders a url_template (or a discover pattern) may use, with what they stand for. */
export const TEMPLATE_PLACEHOLDERS: Readonly<Record<string, string>> = {
  landing_page: 'the landing page, without a trailing slash',
  period: 'the period as written in the config (2025-11)',
  year: 'four-digit year (2025)',
  yy: 'two-digit year (25)',
  month: 'two-digit month (11)',
  month_name: 'month name, lower case (november)',
  Month_name: 'month name, capitalised (November)',
  MONTH_NAME: 'month name, upper case (NOVEMBER)',
  mon: 'three-letter month, lower case (nov)',
  Mon: 'three-letter month, capitalised (Nov)',
  MON: 'three-letter month, upper case (NOV)',
  day: 'last day of the month (30)',
  quarter: 'calendar quarter of the month (4)',
  fy: 'April–March financial year holding the month (2025-26)',
}

/**
 * The values of the placeholders for one period. Month placeholders refer to the period's LAST month (for a
 * quarter, its third month; for FY2024-25, March 2025), so `{day}` is the period's last day.
 */
export function templateValues(period: Period, landingPage?: string): Record<string, string> {
  const [year, month, day] = period.end.split('-').map(Number) as [number, number, number]
  const name = MONTH_NAMES[month - 1]!
  const fyStart = month >= 4 ? year : year - 1
  const values: Record<string, string> = {
    period: period.key,
    year: String(year),
    yy: pad(year % 100),
    month: pad(month),
    month_name: name,
    Month_name: capitalised(name),
    MONTH_NAME: name.toUpperCase(),
    mon: name.slice(0, 3),
    Mon: capitalised(name.slice(0, 3)),
    MON: name.slice(0, 3).toUpperCase(),
    day: pad(day),
    quarter: String(Math.ceil(month / 3)),
    fy: `${fyStart}-${pad((fyStart + 1) % 100)}`,
  }
  if (landingPage !== undefined) values.landing_page = landingPage.replace(/\/+$/, '')
  return values
}

/** The `{name}` placeholders a template uses, in order of appearance. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '')
}

/** Placeholders of a template that are not known, for config validation. */
export function unknownPlaceholders(template: string): string[] {
  return templatePlaceholders(template).filter((name) => !(name in TEMPLATE_PLACEHOLDERS))
}

/** Fills a template's placeholders. Unknown placeholders are left as written (config validation rejects them). */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => values[name] ?? whole)
}

// ---------------------------------------------------------------------------------------------
// Periods mentioned in text

const MONTH_ALT =
  '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)'
/** Between a month and its year: nothing, or up to three of space . _ , - */
const SEP = '[\\s._,-]{0,3}'
const YEAR4 = '((?:19|20)\\d{2})'
/** A two-digit year not followed by more digits, nor by a four-digit year ("Nov 30 2025" is not 2030). */
const YEAR2 = '(\\d{2})(?!\\d)(?![\\s._,-]{1,3}(?:19|20)\\d{2}(?!\\d))'

/**
 * Marks a camel-case hump in the text periodsMentioned reads (a private-use character, made a space where the
 * text had one), so a month that starts a camel-case name is a word of its own.
 */
const HUMP = '\uE000'

const MONTH_PATTERNS: readonly { re: RegExp; read: (m: RegExpExecArray) => [number, number] }[] = [
  // November 2025, Nov25, Nov_25, november-2025
  {
    re: new RegExp(`(?<![a-z])${MONTH_ALT}${SEP}(?:${YEAR4}(?!\\d)|${YEAR2})`, 'g'),
    read: (m) => [m[2] ? Number(m[2]) : 2000 + Number(m[3]), MONTH_WORDS.get(m[1]!)!],
  },
  // MayPerf_2024, JunPrf24: a month that starts a camel-case name, the rest of the name, then the year (the
  // hump is marked with HUMP; "Mayor_2024" and "maybe 2024" have none, so they name no month)
  {
    re: new RegExp(`(?<![a-z])${MONTH_ALT}${HUMP}[a-z]{1,20}${SEP}(?:${YEAR4}(?!\\d)|${YEAR2})`, 'g'),
    read: (m) => [m[2] ? Number(m[2]) : 2000 + Number(m[3]), MONTH_WORDS.get(m[1]!)!],
  },
  // 2025 November, 2025-Nov
  {
    re: new RegExp(`(?<!\\d)${YEAR4}${SEP}${MONTH_ALT}(?![a-z])`, 'g'),
    read: (m) => [Number(m[1]), MONTH_WORDS.get(m[2]!)!],
  },
  // 2025-11, 2025_11, 202511
  {
    re: new RegExp(`(?<!\\d)${YEAR4}[-_.]?(0[1-9]|1[0-2])(?!\\d)`, 'g'),
    read: (m) => [Number(m[1]), Number(m[2])],
  },
  // 11-2025, 112025 (PCNWFIndividualCSV.112025.zip)
  {
    re: new RegExp(`(?<!\\d)(0[1-9]|1[0-2])[-_.]?${YEAR4}(?!\\d)`, 'g'),
    read: (m) => [Number(m[2]), Number(m[1])],
  },
]

/** The calendar quarter a run of three months names, when it is one (July to September → 3). */
function quarterOfRange(first: number, last: number): number | undefined {
  return last === first + 2 && first % 3 === 1 ? (first + 2) / 3 : undefined
}

/** Financial quarter n of FYyyyy → [calendar year, calendar quarter]: FY Q1 is April–June. */
function calendarQuarterOfFinancial(fyStart: number, q: number): [number, number] {
  return q === 4 ? [fyStart + 1, 1] : [fyStart, q + 1]
}

const nextYearMatches = (year: number, text: string | undefined) =>
  text !== undefined && (text.length === 2 ? Number(text) === (year + 1) % 100 : Number(text) === year + 1)

type Reader = (text: string, found: Set<string>) => void

const monthKey = (year: number, month: number) => `${year}-${pad(month)}`
const fyKey = (year: number) => `FY${year}-${pad((year + 1) % 100)}`

const readers: Record<PeriodKind, Reader> = {
  month(text, found) {
    // Earlier patterns win: text one mention used ("aug 2021- jan 2023") is not read again ("2021- jan").
    const used: [number, number][] = []
    for (const { re, read } of MONTH_PATTERNS) {
      for (const m of text.matchAll(re)) {
        const from = m.index
        const to = from + m[0].length
        if (used.some(([a, b]) => from < b && a < to)) continue
        used.push([from, to])
        const [year, month] = read(m as RegExpExecArray)
        found.add(monthKey(year, month))
      }
    }
  },
  quarter(text, found) {
    // Q3 2025 (calendar), Q2 2025-26 (financial: July–September 2025)
    for (const m of text.matchAll(
      new RegExp(`(?<![a-z0-9])q([1-4])${SEP}${YEAR4}(?:[-/](\\d{2}|(?:19|20)\\d{2}))?(?!\\d)`, 'g'),
    )) {
      const q = Number(m[1])
      const year = Number(m[2])
      const [y, cq] = nextYearMatches(year, m[3]) ? calendarQuarterOfFinancial(year, q) : [year, q]
      found.add(`${y}-Q${cq}`)
    }
    // 2025-Q3, 2025Q3 (calendar), 2025-26 Q2 (financial)
    for (const m of text.matchAll(
      new RegExp(`(?<!\\d)${YEAR4}(?:[-/](\\d{2}))?${SEP}q([1-4])(?![0-9])`, 'g'),
    )) {
      const year = Number(m[1])
      const q = Number(m[3])
      const [y, cq] = nextYearMatches(year, m[2]) ? calendarQuarterOfFinancial(year, q) : [year, q]
      found.add(`${y}-Q${cq}`)
    }
    // July to September 2025, Jul-Sep 2025, April–June 2025
    for (const m of text.matchAll(
      new RegExp(`(?<![a-z])${MONTH_ALT}${SEP}(?:to|and)?${SEP}${MONTH_ALT}${SEP}${YEAR4}(?!\\d)`, 'g'),
    )) {
      const q = quarterOfRange(MONTH_WORDS.get(m[1]!)!, MONTH_WORDS.get(m[2]!)!)
      if (q !== undefined) found.add(`${m[3]}-Q${q}`)
    }
  },
  financial_year(text, found) {
    // 2024-25, 2024/25, 2024_25, 2024-2025, FY2024-25
    for (const m of text.matchAll(new RegExp(`(?<!\\d)${YEAR4}[-/_](\\d{2}|(?:19|20)\\d{2})(?!\\d)`, 'g'))) {
      const year = Number(m[1])
      if (nextYearMatches(year, m[2])) found.add(fyKey(year))
    }
    // FY24-25, FY2425, fy24/25
    for (const m of text.matchAll(/(?<![a-z0-9])fy[\s_-]?(\d{2})[-/_]?(\d{2})(?!\d)/g)) {
      const year = 2000 + Number(m[1])
      if (nextYearMatches(year, m[2])) found.add(fyKey(year))
    }
    // 24-25, 24/25, and 2425 (but not 2021, which is a year)
    for (const m of text.matchAll(/(?<![a-z0-9])(\d{2})([-/]?)(\d{2})(?![a-z0-9])/g)) {
      const first = Number(m[1])
      if (m[2] === '' && (first === 19 || first === 20)) continue
      const year = 2000 + first
      if (nextYearMatches(year, m[3])) found.add(fyKey(year))
    }
  },
  year(text, found) {
    for (const m of text.matchAll(
      new RegExp(`(?<!\\d)${YEAR4}(?!\\d)([-/_](\\d{2}|(?:19|20)\\d{2})(?!\\d))?`, 'g'),
    )) {
      const year = Number(m[1])
      // 2024-25 is a financial year, not the calendar year 2024.
      if (!nextYearMatches(year, m[3])) found.add(String(year))
    }
  },
}

/** Where a lower-case letter meets a capitalised word ("May|Perf", "Data|May2024"). */
const CAMEL_HUMP = /([a-z])(?=[A-Z][a-z])/g

/**
 * The periods of one kind a text mentions, sorted. Read from the text as a person would: "Nov25",
 * "November 2025", "2025-11", "202511", "11-2025" and "30-november-2025" all mention 2025-11. The text must be
 * decoded first (a URL's "%20" is a space): then "PCNW March 2025" mentions 2025-03 and never 2020-03, because
 * a year is never read out of the middle of a longer number.
 */
export function periodsMentioned(text: string, kind: PeriodKind): string[] {
  const normal = text
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replaceAll(HUMP, ' ')
    .replace(CAMEL_HUMP, `$1${HUMP}`)
    .toLowerCase()
  const found = new Set<string>()
  readers[kind](normal, found)
  return [...found].sort()
}

/**
 * Ways a period is commonly written in NHS file names and link texts, for documentation and tests: each of
 * them is read back as the period by periodsMentioned.
 */
export function periodRenderings(key: string): string[] {
  const period = parsePeriod(key)
  if (isPeriodError(period)) return []
  const v = templateValues(period)
  const [startYear] = period.start.split('-').map(Number) as [number]
  switch (period.kind) {
    case 'month':
      return [
        `${v.Mon}${v.yy}`,
        `${v.Mon}_${v.yy}`,
        `${v.Mon}-${v.yy}`,
        `${v.Month_name} ${v.year}`,
        `${v.month_name}-${v.year}`,
        `${v.day}-${v.month_name}-${v.year}`,
        `${v.MON} ${v.year}`,
        `${v.year}-${v.month}`,
        `${v.year}${v.month}`,
        `${v.month}-${v.year}`,
        `${v.month}${v.year}`,
      ]
    case 'quarter': {
      const q = Number(key.slice(-1))
      const fyStart = q === 1 ? startYear - 1 : startYear
      const fq = q === 1 ? 4 : q - 1
      const first = MONTH_NAMES[(q - 1) * 3]!
      const last = MONTH_NAMES[q * 3 - 1]!
      return [
        key,
        `Q${q} ${startYear}`,
        `${capitalised(first)} to ${capitalised(last)} ${startYear}`,
        `${capitalised(first.slice(0, 3))}-${capitalised(last.slice(0, 3))} ${startYear}`,
        `Q${fq} ${fyStart}-${pad((fyStart + 1) % 100)}`,
      ]
    }
    case 'financial_year': {
      const y = startYear
      const next = pad((y + 1) % 100)
      return [
        key,
        `${y}-${next}`,
        `${y}/${next}`,
        `${y}-${y + 1}`,
        `FY${pad(y % 100)}-${next}`,
        `${pad(y % 100)}${next}`,
      ]
    }
    case 'year':
      return [key, `calendar year ${key}`]
  }
}

// ---------------------------------------------------------------------------------------------
// Period words in headers

type Token = { readonly text: string; readonly kind: 'letters' | 'digits' | 'other'; period: boolean }

/** Runs of letters, of digits and of anything else, in one pass (no regular expression to backtrack). */
function tokens(text: string): Token[] {
  const kindOf = (c: string): Token['kind'] =>
    c >= '0' && c <= '9' ? 'digits' : c.toLowerCase() !== c.toUpperCase() ? 'letters' : 'other'
  const out: Token[] = []
  let start = 0
  for (let i = 1; i <= text.length; i++) {
    if (i < text.length && kindOf(text[i]!) === kindOf(text[start]!)) continue
    out.push({ text: text.slice(start, i), kind: kindOf(text[start]!), period: false })
    start = i
  }
  return out
}

const isYear = (t?: Token) => t?.kind === 'digits' && t.text.length === 4 && /^(19|20)/.test(t.text)
/** Nothing, or one short run of spaces, dashes, dots, commas, underscores or an apostrophe ("Jan-24", "Jan '24"). */
const joins = (t?: Token) => t?.kind === 'other' && /^[\s\-_.,']{1,3}$/.test(t.text)

/**
 * The text without the words that only say which period it is about: month names and their abbreviations,
 * years, two-digit years after a month ("Jan-24"), financial years ("2022-23", "2022/23", "FY22-23"), quarters
 * ("Q3", "Quarter 3") and dates ("01/04/2022", "2022-04-01"). "December 2022 - Patients discharged" and
 * "January 2023 - Patients discharged" are the same text without them. Words are whole runs of letters:
 * "Mayor" and "Marching" keep their letters. Linear in the text's length.
 */
export function withoutPeriodWords(text: string): string {
  const t = tokens(text.normalize('NFKC').replace(/[\u2010-\u2015\u2212]/g, '-'))
  const isPeriodLetters = (x?: Token) => x?.kind === 'letters' && x.period
  /** The token before (step -1) or after (step 1) a number, skipping one joining run: "Jan-24", "Q 3". */
  const beside = (i: number, step: 1 | -1) => (joins(t[i + step]) ? t[i + 2 * step] : t[i + step])
  /** A number joined by one "-", "/" or "." to a period number: 2022-23, 2022-04-01, 01/04/2022. */
  const dateLike = (i: number, step: 1 | -1) => {
    const sep = t[i + step]
    return (
      sep?.kind === 'other' &&
      /^[-/.]$/.test(sep.text) &&
      t[i + 2 * step]?.kind === 'digits' &&
      t[i + 2 * step]!.period
    )
  }
  t.forEach((token, i) => {
    const lower = token.text.toLowerCase()
    if (token.kind === 'letters') {
      if (MONTH_WORDS.has(lower)) token.period = true
      else if ((lower === 'q' || lower === 'fy') && t[i + 1]?.kind === 'digits') token.period = true
      else if (lower === 'quarter' && /^[1-4]$/.test(beside(i, 1)?.text ?? '')) token.period = true
    } else if (token.kind === 'digits') {
      if (isYear(token)) token.period = true
      else if (token.text.length <= 2 && (isPeriodLetters(beside(i, -1)) || dateLike(i, -1)))
        token.period = true
    }
  })
  // Written before what they belong to: "31 December 2022", "01/04/2022".
  for (let i = t.length - 1; i >= 0; i--) {
    const token = t[i]!
    const standalone = t[i - 1]?.kind !== 'letters' // not the 3 of "P3 March"
    if (token.kind === 'digits' && token.text.length <= 2 && standalone)
      if (isPeriodLetters(beside(i, 1)) || dateLike(i, 1)) token.period = true
  }
  // What joins two period words goes with them: the "-" of "Jan-24", the "/" of "31/03/2024".
  t.forEach((token, i) => {
    if (token.kind === 'other' && t[i - 1]?.period && t[i + 1]?.period) token.period = true
  })
  return t
    .filter((token) => !token.period)
    .map((token) => token.text)
    .join('')
}
