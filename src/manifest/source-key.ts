import { wildcardMatches } from '../model/glob.js'
import { snakeWords } from './physical-name.js'

const MONTH_WORD =
  /^(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december)$/i
const RELEASE_WORD = /^(revised|final|provisional|prov|rev|updated|v)$/i
/** Words of a name: camelCase humps, upper-case runs, lower-case runs and digit runs. */
const WORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g

interface Word {
  readonly text: string
  readonly start: number
  readonly end: number
}

/** Words that only say which release a file is: month names, years, dates, version and revision marks. */
function periodWords(name: string): Set<Word> {
  const words: Word[] = [...name.matchAll(WORD)].map((m) => ({
    text: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }))
  const isMonth = (w?: Word) => !!w && MONTH_WORD.test(w.text)
  const touches = (a?: Word, b?: Word) => !!a && !!b && a.end === b.start
  const standalone = (i: number) => {
    const w = words[i]!
    const before = name[w.start - 1]
    const after = name[w.end]
    return !(before && /[A-Za-z]/.test(before)) && !(after && /[A-Za-z]/.test(after))
  }
  const period = new Set<Word>()
  words.forEach((w, i) => {
    if (isMonth(w) || RELEASE_WORD.test(w.text)) period.add(w)
    else if (/^\d+$/.test(w.text)) {
      const afterMonth = touches(words[i - 1], w) && isMonth(words[i - 1])
      const afterVersion = touches(words[i - 1], w) && /^v$/i.test(words[i - 1]!.text)
      if (standalone(i) || afterMonth || afterVersion) period.add(w)
    }
  })
  return period
}

/**
 * The random suffix an upload gives a file ("Monthly-AE-November-2025-9Ia4R"): 5 to 10 letters and digits
 * after a final "-" or "_", mixing digits and letters or upper and lower case, and not a period word ("Oct22").
 */
function uploadHash(stem: string): { start: number; end: number } | undefined {
  const m = /[-_]([A-Za-z0-9]{5,10})$/.exec(stem)
  if (!m) return undefined
  const token = m[1]!
  const mixed =
    (/\d/.test(token) && /[A-Za-z]/.test(token)) || (/[a-z]/.test(token) && /[A-Z]/.test(token.slice(1)))
  if (!mixed || periodWords(token).size > 0) return undefined
  return { start: m.index, end: stem.length }
}

/** The file name without its extension and folders. */
export function fileStem(fileName: string): string {
  const base = fileName.split('/').pop() ?? fileName
  return base.replace(/\.[A-Za-z0-9]{1,5}$/, '')
}

/**
 * A glob that matches this file in any period: the words that only name a release become "*".
 * "Submissions via OC Systems - May 2024.xlsx" → "Submissions via OC Systems - * *.xlsx".
 */
export function fileGlob(fileName: string): string {
  const whole = fileName.split('/').pop() ?? fileName
  const hash = uploadHash(fileStem(whole))
  const base = hash ? `${whole.slice(0, hash.start)}-*${whole.slice(hash.end)}` : whole
  const period = periodWords(base)
  let glob = ''
  let at = 0
  for (const w of [...period].sort((a, b) => a.start - b.start)) {
    glob += `${base.slice(at, w.start)}*`
    at = w.end
  }
  glob += base.slice(at)
  // "* *" keeps its space; "-" and "_" between period words go, so an optional "_v2" after them still matches.
  return glob.replace(/\*(?:[-_ ]*\*)+/g, (m) =>
    m.includes(' ') ? m.replace(/[-_]+/g, '').replace(/ +/g, ' ').replace(/\*+/g, '*') : '*',
  )
}

/** A stable snake_case key from a file name with its period words removed ("data" when nothing is left). */
export function fileKey(fileName: string): string {
  const full = fileStem(fileName)
  const hash = uploadHash(full)
  const stem = hash ? full.slice(0, hash.start) : full
  const period = periodWords(stem)
  let kept = ''
  let at = 0
  for (const w of [...period].sort((a, b) => a.start - b.start)) {
    kept += `${stem.slice(at, w.start)} `
    at = w.end
  }
  kept += stem.slice(at)
  return asKey(snakeWords(kept) || 'data')
}

export function sheetKey(sheet: string): string {
  return asKey(snakeWords(sheet) || 'sheet')
}

function asKey(words: string): string {
  const key = /^[a-z]/.test(words) ? words : `t_${words}`
  return key.slice(0, 63).replace(/_+$/, '')
}

/** Case-insensitive glob match where "*" is any run of characters. */
export function globMatches(glob: string, name: string): boolean {
  return wildcardMatches(glob, name.split('/').pop() ?? name)
}
