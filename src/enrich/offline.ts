import { cleanHeader, FOOTNOTE_MARKER, sentenceCase } from '../model/header-text.js'
import type { DescriptionSource, Field, FieldType, Source } from '../model/manifest.js'

export { cleanHeader, sentenceCase }

/**
 * The offline enricher: titles, descriptions, units and roles from what the publication wrote (headers, sheet and
 * file names, the text of its notes and contents sheets). Pure and deterministic: the same input always gives
 * the same text, so a period held again proposes the same manifest.
 */

export type Role = 'dimension' | 'measure'

export interface FieldText {
  /** Absent when all there is to say is the header again (a restatement is no description). */
  readonly description?: string
  readonly descriptionSource?: DescriptionSource
  readonly unit?: string
  readonly role: Role
}

export interface SourceText {
  readonly title: string
  readonly description: string
  readonly descriptionSource?: DescriptionSource
}

export interface OfflineContext {
  readonly publication: { readonly code: string; readonly name: string }
  /** Lines of the workbook's notes and contents sheets (or any release notes), when available. */
  readonly notes?: readonly string[]
  /** The table's own title, from the title rows above its header ("Table 3: Staff by role"). */
  readonly tableTitle?: string
}

const comparable = (text: string) =>
  cleanHeader(text.replace(/_+/g, ' '))
    .toLowerCase()
    .replace(/[^a-z0-9%£]+/g, '')

/** A description that says no more than the header: the header again, in any case, spacing or punctuation. */
export function restatesTitle(description: string | undefined, title: string): boolean {
  if (description === undefined) return true
  const said = comparable(description)
  return said === '' || said === comparable(title)
}

const NUMERIC: ReadonlySet<FieldType> = new Set(['integer', 'number'])

const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹'
const superscriptDigit = (c: string) => {
  if (c === '\u00b9') return '1'
  if (c === '\u00b2') return '2'
  if (c === '\u00b3') return '3'
  const i = SUPERSCRIPTS.indexOf(c)
  return i >= 0 ? String(i) : ''
}

/** The note numbers a header's footnote markers refer to, in order, without repeats ("[1]", "[note 2, 3]", "⁴"). */
export function footnoteNumbers(header: string): number[] {
  const numbers: number[] = []
  for (const match of header.matchAll(new RegExp(FOOTNOTE_MARKER.source, 'gi'))) {
    const marker = match[0]
    const digits = marker.includes('[')
      ? (marker.match(/\d+/g) ?? [])
      : [[...marker.trim()].map(superscriptDigit).join('')]
    for (const d of digits) {
      const n = Number(d)
      if (d !== '' && !numbers.includes(n)) numbers.push(n)
    }
  }
  return numbers
}

const NOTE_LINE = /^\s*\[?\s*(?:notes?\s*)?(\d{1,3})\s*\]?\s*[:.)\-–—]?\s+(\S.*)$/i

/** Note texts by number, from lines such as "Note 3: …", "[3] …", "3. …" in the notes sheet. */
export function noteTexts(notes: readonly string[] | undefined): Map<number, string> {
  const texts = new Map<number, string>()
  for (const line of notes ?? []) {
    const match = NOTE_LINE.exec(line)
    if (!match) continue
    const n = Number(match[1])
    if (!texts.has(n)) texts.set(n, clip(match[2]!.replace(/\s+/g, ' ').trim(), 300))
  }
  return texts
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`
}

const PER_NUMBER = /\bper\s+(\d{1,3}(?:,\d{3})+|\d+)(?!\d|,\d)/i

function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * The unit a header names, when it names one. Explicit marks first (a unit in brackets, %, £, FTE, "per 1,000"),
 * then words: "number of" and "count" are counts even when they count payments or weeks.
 */
export function unitFromLabel(header: string): string | undefined {
  const text = cleanHeader(header)
  const lower = text.toLowerCase()
  const bracketed = /\(([^()]*)\)/.exec(lower)?.[1]?.trim()
  if (bracketed !== undefined) {
    if (/^(?:£|gbp)\s*(?:000s?|k|thousands?)$/.test(bracketed)) return 'GBP thousands'
    if (/^(?:£|gbp)\s*(?:m|millions?)$/.test(bracketed)) return 'GBP millions'
    if (/^(?:£s?|gbp)$/.test(bracketed)) return 'GBP'
    if (/^(?:%|percent|percentage)$/.test(bracketed)) return 'percent'
    if (/^days?$/.test(bracketed)) return 'days'
    if (/^weeks?$/.test(bracketed)) return 'weeks'
    if (/^(?:hours?|hrs?)$/.test(bracketed)) return 'hours'
    if (/^(?:minutes?|mins?)$/.test(bracketed)) return 'minutes'
    if (/^fte$/.test(bracketed)) return 'FTE'
  }
  const per = PER_NUMBER.exec(text)
  if (per) return `per ${withThousands(Number(per[1]!.replace(/,/g, '')))}`
  if (lower.includes('%') || /\bper ?cent(?:age)?s?\b|\bpercentages?\b|\bproportions?\b/.test(lower))
    return 'percent'
  if (lower.includes('£') || /\bgbp\b/.test(lower)) return 'GBP'
  if (/\bftes?\b|\bfull[- ]time equivalents?\b/.test(lower)) return 'FTE'
  if (/\brates?\b/.test(lower)) return 'percent'
  if (
    /\bheadcounts?\b|\bnumber of\b|^(?:total )?number\b|\bno\.? of\b|\bcounts?\b|\btotal number\b/.test(lower)
  )
    return 'count'
  if (
    /\bcosts?\b|\bpayments?\b|\bspend(?:ing)?\b|\bexpenditure\b|\bprices?\b|\bfunding\b|\bincome\b|\bsalar(?:y|ies)\b|\bearnings\b/.test(
      lower,
    )
  )
    return 'GBP'
  // "Waiting 18 weeks or more", "Seen within 2 days": a threshold in the label, not the unit of the values.
  const threshold = /\d\s*\+?\s*(?:days?|weeks?)\b/.test(lower)
  if (!threshold && /\bdays?\b/.test(lower)) return 'days'
  if (!threshold && /\bweeks?\b/.test(lower)) return 'weeks'
  return undefined
}

/** Words that make an integer column say what a row is about rather than hold a value. */
const ID_WORDS =
  /\b(?:code|codes|id|ids|identifier|key|year|yr|month|quarter|qtr|period|week (?:number|no)|ods|postcode|fy|financial year|date)\b/i
const ID_NAME = /(?:^|_)(?:code|id|year|month|quarter|period|fy|ods)(?:_|$)/

/** dimension: text, dates, booleans, and integer codes, years, months, ids; measure: every other number. */
export function roleOf(field: Pick<Field, 'name' | 'title' | 'type'>): Role {
  if (!NUMERIC.has(field.type)) return 'dimension'
  if (field.type === 'integer' && (ID_WORDS.test(cleanHeader(field.title)) || ID_NAME.test(field.name)))
    return 'dimension'
  return 'measure'
}

function notesPhrase(numbers: readonly number[], texts: ReadonlyMap<number, string>): string {
  if (numbers.length === 0) return ''
  const parts = numbers.map((n) => {
    const text = texts.get(n)
    return text ? `note ${n}: ${text}` : `note ${n}`
  })
  return ` (see ${parts.join('; ')})`
}

/**
 * A field's description, unit and role. The description is the publisher's: its definition of the field when
 * the release documents it, else the header in sentence case with the text of the notes its footnote markers
 * point to. With neither, there is nothing to say beyond the header, and no description.
 */
export function offlineFieldText(
  field: Pick<Field, 'name' | 'title' | 'type'>,
  notes: ReadonlyMap<number, string> = new Map(),
  definition?: string,
): FieldText {
  const role = roleOf(field)
  const unit = role === 'measure' ? unitFromLabel(field.title) : undefined
  const described = (description: string): FieldText => ({
    description,
    descriptionSource: 'publisher',
    role,
    ...(unit !== undefined ? { unit } : {}),
  })
  if (definition !== undefined && !restatesTitle(definition, field.title)) return described(definition)
  const numbers = footnoteNumbers(field.title).filter((n) => notes.has(n))
  if (numbers.length > 0)
    return described(`${sentenceCase(field.title) || field.name}${notesPhrase(numbers, notes)}`)
  return { role, ...(unit !== undefined ? { unit } : {}) }
}

/** A readable name from a file glob: "Submissions via OC Systems - *.xlsx" → "Submissions via OC Systems". */
export function fileTitle(glob: string): string {
  const base = glob.split('/').pop() ?? glob
  return base
    .replace(/\.[a-z0-9]{2,4}$/i, '')
    .replace(/\*/g, ' ')
    .replace(/[_\s]+/g, ' ')
    .replace(/(?:\s*[-–(),.]\s*)+$/g, '')
    .replace(/^(?:\s*[-–(),.]\s*)+/g, '')
    .replace(/\s*[-–]\s*[-–]\s*/g, ' - ')
    .trim()
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A contents sheet's line for a sheet ("Table 1: Appointments by region", "Table 1 | …"): the text after it. */
function contentsTitle(sheet: string, notes: readonly string[] | undefined): string | undefined {
  const name = sheet.trim()
  if (name === '') return undefined
  const line = new RegExp(`^\\s*${escapeRegExp(name)}\\s*(?:[:|\\t–—-]|\\s{2,})\\s*(\\S.*)$`, 'i')
  for (const text of notes ?? []) {
    const match = line.exec(text)
    if (match) return clip(match[1]!.replace(/\s+/g, ' ').trim(), 200)
  }
  return undefined
}

/** "Table 3: Staff by role" → "Staff by role": a table title without its number. */
function withoutTableNumber(title: string): string {
  const rest = title.replace(/^\s*(?:table|figure|chart)\s+[\w.]+\s*[:.\-–—]?\s*/i, '').trim()
  return rest === '' ? title.trim() : rest
}

/**
 * A source's title and description. The title is the publisher's: the contents sheet's line for the sheet,
 * else the table's title row, else the publication's name with the sheet's or file's name — never a bare
 * file name. The description says where the source is.
 */
export function offlineSourceText(source: Pick<Source, 'key' | 'match'>, ctx: OfflineContext): SourceText {
  const file = fileTitle(source.match.file) || source.match.file
  const zip = source.match.zip !== undefined ? fileTitle(source.match.zip) || source.match.zip : undefined
  const inZip = zip !== undefined ? ` in the ZIP "${zip}"` : ''
  const sheet = source.match.sheet
  const listed = sheet !== undefined ? contentsTitle(sheet, ctx.notes) : undefined
  const titled =
    ctx.tableTitle !== undefined ? clip(ctx.tableTitle.replace(/\s+/g, ' ').trim(), 200) : undefined
  const publisher = listed ?? (titled !== undefined && titled !== '' ? withoutTableNumber(titled) : undefined)
  const name = sheet?.trim() || file || source.key
  const publication = ctx.publication.name
  const title =
    publisher ??
    (publication.toLowerCase().includes(name.toLowerCase()) ? publication : `${publication}: ${name}`)
  const where =
    sheet !== undefined
      ? `the sheet "${sheet}" of the workbook "${file}"${inZip}`
      : `the file "${file}"${inZip}`
  const said = listed ?? titled
  const description = `${said !== undefined && said !== '' ? `${said.replace(/[.\s]+$/, '')}. ` : ''}From ${where}, published in ${publication}.`
  return {
    title,
    description,
    descriptionSource: said !== undefined && said !== '' ? 'publisher' : 'derived',
  }
}
