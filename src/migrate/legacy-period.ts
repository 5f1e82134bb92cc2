import { isPeriodError, parsePeriod } from '../model/period.js'

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
}

const month = (year: number, m: number) => `${year}-${String(m).padStart(2, '0')}`

/**
 * A period of the old layout in OUR grammar: "nov25" and "november2025" → "2025-11". A period already in our
 * grammar is returned as it is. Returns undefined for anything else.
 */
export function legacyPeriod(text: string | number): string | undefined {
  const ours = parsePeriod(String(text))
  if (!isPeriodError(ours)) return ours.key
  const s = String(text).trim().toLowerCase()
  const m = /^([a-z]+)[-_ ]?(\d{2}|\d{4})$/.exec(s)
  const n = m ? MONTHS[m[1]!] : undefined
  if (!m || !n) return undefined
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2])
  return month(year, n)
}

/** The period a release page's address names: ".../mi-adhd/november-2025", ".../30-april-2025" → "2025-11", "2025-04". */
export function periodOfReleaseUrl(url: string): string | undefined {
  const last =
    url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? ''
  const m = /^(?:\d{1,2}-)?([a-z]+)-(\d{4})$/i.exec(last)
  const n = m ? MONTHS[m[1]!.toLowerCase()] : undefined
  return m && n ? month(Number(m[2]), n) : undefined
}

/** Whether a word of a file name is an old period token such as "nov25". */
export function isLegacyPeriodToken(word: string): boolean {
  return /^[a-z]{3,9}\d{2}$/i.test(word) && legacyPeriod(word) !== undefined
}
