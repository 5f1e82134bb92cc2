/**
 * Which scraped links are a period's files. Pure: pages are read elsewhere (discover.ts).
 *
 * A candidate is a link to a data file (.xlsx .xls .csv .zip .ods, by its URL-decoded file name). It becomes a
 * file of period P when, in this order:
 *   1. its host is allowed;
 *   2. its period is P: the latest period its decoded FILE NAME mentions; if the name mentions none, the latest
 *      its LINK TEXT mentions; if neither does, the period of the page it is on (a period page: the page the
 *      url_template renders for P alone, or a sub-page whose address or link text names P alone);
 *   3. its file name matches a discover pattern (placeholders filled for P).
 * Candidates of one period that are versions of the same file (same name once revision words, version marks
 * and hash suffixes are set aside, same extension) are a tie, broken by TIE_BREAK_RULES, in order.
 */
import { fileNameFromUrl } from '../fetch/file-name.js'
import { DATA_FILE_EXTENSIONS } from '../model/discovery.js'
import { wildcardMatches } from '../model/glob.js'
import type { PeriodKind } from '../model/period.js'
import { periodsMentioned } from '../model/period-text.js'

export interface Candidate {
  readonly url: string
  readonly text: string
  /** The page the link is on. */
  readonly page: string
  /** 0: the landing or period page itself; 1: a sub-page of it. */
  readonly depth: number
  /** Position in the order pages and links were read. */
  readonly order: number
  /** The period the page belongs to, when it is a period page. */
  readonly pagePeriod?: string
}

export type Decision = 'chosen' | 'superseded' | 'rejected'

export interface Verdict {
  readonly candidate: Candidate
  readonly fileName: string
  readonly period?: string
  /** Where the period was read from. */
  readonly periodFrom?: 'file name' | 'link text' | 'period page'
  readonly decision: Decision
  readonly reason: string
}

export interface MatchRules {
  readonly kind: PeriodKind
  /** The periods looked for (due, not listed under urls). */
  readonly wanted: ReadonlySet<string>
  /** Glob patterns for a period (placeholders already filled). */
  readonly patternsFor: (period: string) => readonly string[]
  readonly allowedHosts: readonly string[]
}

/** The ways one version of a file beats another, in the order they are applied. Documented in configuration.md. */
export const TIE_BREAK_RULES = [
  'a later revision wins: revised / final / updated / corrected / amended / vN (higher N first) beat an unmarked file, which beats provisional / preliminary / draft',
  'a file on its own period page wins over one found elsewhere, and a file on the page scanned wins over one on a sub-page',
  'a newer upload folder wins (/YYYY/MM/ in the address, as in /wp-content/uploads/2025/12/)',
  'the link found first wins (pages list the latest release first)',
] as const

/** The URL-decoded file name of a link: "PCNW%20March%202025.xlsx" → "PCNW March 2025.xlsx". */
export function linkFileName(url: string): string {
  try {
    return fileNameFromUrl(new URL(url)) ?? ''
  } catch {
    return ''
  }
}

export function isDataFileName(name: string): boolean {
  const lower = name.toLowerCase()
  return DATA_FILE_EXTENSIONS.some((ext) => lower.endsWith(ext))
}

/** `*` any run of characters, `?` one character; case-insensitive; the whole name must match. */
export function globMatches(pattern: string, name: string): boolean {
  return wildcardMatches(pattern, name, { anyOne: '?' })
}

const MARKERS = {
  later: /^(revised|revision|final|updated|update|corrected|amended|republished)$/,
  earlier: /^(provisional|preliminary|prelim|draft|interim)$/,
  version: /^v(\d{1,3})$/,
}

/** How late a version is: [class (0 provisional, 1 unmarked, 2 revised/final), version number]. */
export function revisionRank(fileName: string, text = ''): [number, number] {
  const words = `${stem(fileName)} ${text}`.toLowerCase().split(/[^a-z0-9]+/)
  let cls = 1
  let version = 0
  for (const word of words) {
    const v = MARKERS.version.exec(word)
    if (v) {
      version = Math.max(version, Number(v[1]))
      if (Number(v[1]) >= 2) cls = Math.max(cls, 2)
    } else if (MARKERS.later.test(word)) cls = 2
    else if (MARKERS.earlier.test(word) && cls === 1) cls = 0
  }
  return [cls, version]
}

function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.')
  return dot > 0 ? fileName.slice(0, dot) : fileName
}

/**
 * What makes two links versions of the same file: the lower-case name without revision words, version marks,
 * "(1)" copies and a trailing hash suffix, and its extension. A hash suffix is a last word of five letters and
 * digits, not all lower case, that names no period: "-9Ia4R" in "November-2025-AE-by-provider-9Ia4R.xls".
 */
export function fileIdentity(fileName: string, kind: PeriodKind): string {
  const dot = fileName.lastIndexOf('.')
  const ext = dot > 0 ? fileName.slice(dot + 1).toLowerCase() : ''
  const words = stem(fileName)
    .replace(/\(\d+\)/g, ' ')
    .split(/[\s_-]+/)
    .filter((w) => {
      const lower = w.toLowerCase()
      return w && !MARKERS.later.test(lower) && !MARKERS.earlier.test(lower) && !MARKERS.version.test(lower)
    })
  const last = words[words.length - 1]
  if (
    last &&
    words.length > 1 &&
    /^[A-Za-z0-9]{5}$/.test(last) &&
    /\d/.test(last) &&
    /[A-Z]/.test(last) &&
    periodsMentioned(last, kind).length === 0
  )
    words.pop()
  return `${words.join('-').toLowerCase()}.${ext}`
}

/** /YYYY/MM/ folders in a URL path as a sortable number (202512), 0 when there is none. */
export function uploadFolder(url: string): number {
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return 0
  }
  let latest = 0
  for (const m of path.matchAll(/\/((?:19|20)\d{2})\/(0[1-9]|1[0-2])\//g))
    latest = Math.max(latest, Number(m[1]) * 100 + Number(m[2]))
  return latest
}

function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return ''
  }
}

/** Sorts the versions of one file, best first, by TIE_BREAK_RULES. Returns the rule that decided each pair. */
function compareVersions(
  a: { c: Candidate; rank: [number, number]; period: string },
  b: { c: Candidate; rank: [number, number]; period: string },
): { order: number; rule: number } {
  const by = (rule: number, order: number) => ({ order, rule })
  if (a.rank[0] !== b.rank[0]) return by(0, b.rank[0] - a.rank[0])
  if (a.rank[1] !== b.rank[1]) return by(0, b.rank[1] - a.rank[1])
  const own = (x: typeof a) => (x.c.pagePeriod === x.period ? 0 : 1)
  if (own(a) !== own(b)) return by(1, own(a) - own(b))
  if (a.c.depth !== b.c.depth) return by(1, a.c.depth - b.c.depth)
  const fa = uploadFolder(a.c.url)
  const fb = uploadFolder(b.c.url)
  if (fa !== fb) return by(2, fb - fa)
  return by(3, a.c.order - b.c.order)
}

/**
 * Decides every candidate: the files of each wanted period, and for every other link why not. Links to the
 * same URL are decided once (the first found).
 */
export function matchCandidates(candidates: readonly Candidate[], rules: MatchRules): Verdict[] {
  const verdicts: Verdict[] = []
  const eligible: { c: Candidate; fileName: string; period: string; from: Verdict['periodFrom'] }[] = []
  const seen = new Set<string>()
  for (const c of candidates) {
    if (seen.has(c.url)) continue
    seen.add(c.url)
    const fileName = linkFileName(c.url)
    const reject = (reason: string, period?: string, periodFrom?: Verdict['periodFrom']) =>
      verdicts.push({
        candidate: c,
        fileName,
        ...(period ? { period } : {}),
        ...(periodFrom ? { periodFrom } : {}),
        decision: 'rejected',
        reason,
      })
    const host = hostOf(c.url)
    if (!rules.allowedHosts.includes(host)) {
      reject(`host ${host} is not allowed (allowed: ${rules.allowedHosts.join(', ')})`)
      continue
    }
    const inName = periodsMentioned(fileName, rules.kind)
    const inText = inName.length === 0 ? periodsMentioned(c.text, rules.kind) : []
    const [period, from]: [string | undefined, Verdict['periodFrom'] | undefined] =
      inName.length > 0
        ? [inName[inName.length - 1], 'file name']
        : inText.length > 0
          ? [inText[inText.length - 1], 'link text']
          : c.pagePeriod
            ? [c.pagePeriod, 'period page']
            : [undefined, undefined]
    if (!period) {
      reject('no period in its file name or link text, and not on a period page')
      continue
    }
    if (!rules.wanted.has(period)) {
      reject(`its ${from} names ${period}, which is not a period looked for`, period, from)
      continue
    }
    const patterns = rules.patternsFor(period)
    if (!patterns.some((p) => globMatches(p, fileName))) {
      reject(`does not match ${patterns.map((p) => `"${p}"`).join(' or ')}`, period, from)
      continue
    }
    eligible.push({ c, fileName, period, from })
  }

  const groups = new Map<string, typeof eligible>()
  for (const e of eligible) {
    const key = `${e.period}\u0000${fileIdentity(e.fileName, rules.kind)}`
    groups.set(key, [...(groups.get(key) ?? []), e])
  }
  for (const group of groups.values()) {
    const ranked = group.map((e) => ({ ...e, rank: revisionRank(e.fileName, e.c.text) }))
    ranked.sort((a, b) => compareVersions(a, b).order)
    const [best, ...rest] = ranked
    if (!best) continue
    verdicts.push({
      candidate: best.c,
      fileName: best.fileName,
      period: best.period,
      periodFrom: best.from!,
      decision: 'chosen',
      reason:
        rest.length === 0
          ? `its ${best.from} names ${best.period}`
          : `its ${best.from} names ${best.period}; the best of ${ranked.length} versions`,
    })
    for (const other of rest) {
      const { rule } = compareVersions(best, other)
      verdicts.push({
        candidate: other.c,
        fileName: other.fileName,
        period: other.period,
        periodFrom: other.from!,
        decision: 'superseded',
        reason: `superseded by ${best.c.url}: ${TIE_BREAK_RULES[rule]}`,
      })
    }
  }
  return verdicts
}
