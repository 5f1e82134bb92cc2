import { createHash } from 'node:crypto'
import { FOOTNOTE_MARKER } from '../model/header-text.js'
import { SYSTEM_COLUMNS } from '../model/manifest.js'

export { FOOTNOTE_MARKER }

const MAX_IDENTIFIER = 63

/** How locateTable joins a group label and the label under it. */
const GROUP_SEPARATOR = / > /g

const SYMBOLS: [RegExp, string][] = [
  [/%/g, ' pct '],
  [/£/g, ' gbp '],
  [/&/g, ' and '],
  [/\+/g, ' plus '],
  [/>=/g, ' gte '],
  [/<=/g, ' lte '],
  [/>/g, ' gt '],
  [/</g, ' lt '],
  [/=/g, ' eq '],
  [/#/g, ' number '],
]

/** snake_case words from any text: accents folded, camelCase split, symbols spelled out. */
export function snakeWords(text: string): string {
  let s = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
  for (const [pattern, word] of SYMBOLS) s = s.replace(pattern, word)
  s = s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return s
}

function fitLength(name: string): string {
  if (name.length <= MAX_IDENTIFIER) return name
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8)
  return `${name.slice(0, MAX_IDENTIFIER - 9).replace(/_+$/, '')}_${hash}`
}

/**
 * The physical column name for a header: deterministic, snake_case, at most 63 characters, starting with a
 * letter. Names never start with "_" (that prefix is kept for lineage columns).
 */
export function physicalName(header: string, position: number): string {
  // " > " joins the labels of a multi-row header ("2024-25 > April"): a word break, not "greater than".
  const words = snakeWords(header.replace(FOOTNOTE_MARKER, ' ').replace(GROUP_SEPARATOR, ' '))
  if (words === '') return `column_${position}`
  const name = fitLength(/^[a-z]/.test(words) ? words : `c_${words}`)
  // "ctid", "xmin"…: every table has these columns already. (Reserved words are fine: names are always quoted.)
  return SYSTEM_COLUMNS.has(name) ? `${name}_value` : name
}

/** Physical names for a row of headers, de-duplicated in order with _2, _3, ... suffixes. */
export function physicalNames(headers: readonly string[], taken: Iterable<string> = []): string[] {
  const used = new Set(taken)
  return headers.map((header, i) => uniqueName(physicalName(header, i + 1), used))
}

/** Claims a name not yet in `used`, suffixing _2, _3, ... (within 63 characters) when needed. */
export function uniqueName(base: string, used: Set<string>): string {
  let name = base
  for (let n = 2; used.has(name); n++) {
    const suffix = `_${n}`
    // No "_" left before the suffix: source keys and tables named this way must stay snake_case.
    name = `${base.slice(0, MAX_IDENTIFIER - suffix.length).replace(/_+$/, '')}${suffix}`
  }
  used.add(name)
  return name
}
