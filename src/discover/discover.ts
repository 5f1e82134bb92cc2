/**
 * The discover stage, between config and fetch: turns a publication's landing_page / url_template / periods /
 * discover into `PeriodSource`s, the same shape as the config's explicit `urls`.
 *
 *   url_template rendering a data file   → that file, once a request shows it exists
 *   url_template rendering a page        → the page and one level of its sub-pages are scanned
 *   discover without url_template        → landing_page and one level of its sub-pages are scanned
 *
 * A sub-page is a same-site link whose path lies below the scanned page's path. Only periods that are due
 * (period end + lag_days has come) are looked for; a due period with no file is a warning, never an error.
 */

import type { CachedPage } from '../fetch/index.js'
import type { PeriodSource, Publication } from '../model/config.js'
import type { Discovery, PeriodPlan } from '../model/discovery.js'
import { isPeriodError, type PeriodKind, parsePeriod } from '../model/period.js'
import { periodsMentioned, renderTemplate, templateValues } from '../model/period-text.js'
import { errorDetail, type RunEvent } from '../observe/index.js'
import type { PageLink } from './links.js'
import { type Candidate, isDataFileName, linkFileName, matchCandidates, type Verdict } from './match.js'

/** A page as discovery reads it: its links, from the page or from the cache. */
export type PageRead = CachedPage<PageLink>

/** At most this many sub-pages of one page are read. */
export const MAX_SUBPAGES = 60

export interface DiscoverDeps {
  readonly readPage: (url: string) => Promise<PageRead>
  /** Whether a file a url_template names exists (fetching it for the run when it does). */
  readonly probeFile?: (url: string, period: string) => Promise<'exists' | 'missing'>
  readonly emit: (event: RunEvent) => void
  /** Only these periods (run --period). */
  readonly only?: readonly string[]
}

export type FindingStatus = 'found' | 'missing' | 'not_due' | 'failed'

export interface PeriodFinding {
  readonly period: string
  readonly dueOn: string
  readonly status: FindingStatus
  readonly files: readonly PeriodSource[]
  /** Why missing, not due or failed. */
  readonly reason?: string
}

export interface DiscoveryResult {
  readonly sources: readonly PeriodSource[]
  readonly periods: readonly PeriodFinding[]
  /** Due periods with no file, and pages that could not be read in part. */
  readonly warnings: readonly string[]
  /** A page that could not be read at all (not a 404): the periods it serves are failed. */
  readonly error?: string
}

interface Scan {
  candidates: Candidate[]
  /** Set when the page itself could not be read. */
  missing?: string
  error?: string
}

/** Finds the files of a publication's due periods. */
export async function discover(publication: Publication, deps: DiscoverDeps): Promise<DiscoveryResult> {
  const d = publication.discovery
  if (!d) return { sources: [], periods: [], warnings: [] }
  const scope = { publication: publication.code }
  const looked = d.periods.filter((p) => !deps.only || deps.only.includes(p.period))
  const kind = kindOf(looked[0]?.period)
  const findings = new Map<string, PeriodFinding>()
  const warnings: string[] = []
  let error: string | undefined

  for (const p of looked.filter((p) => !p.due)) {
    const reason = `not due until ${p.dueOn}`
    findings.set(p.period, { period: p.period, dueOn: p.dueOn, status: 'not_due', files: [], reason })
    deps.emit({ ...scope, period: p.period, level: 'debug', event: 'discover.not_due', message: reason })
  }
  const due = looked.filter((p) => p.due)
  const wanted = new Set(due.map((p) => p.period))
  const failed = new Map<string, string>() // period → why its page could not be read
  const candidates: Candidate[] = []
  const order = { next: 0 }

  if (d.urlTemplate !== undefined) {
    const byUrl = new Map<string, PeriodPlan[]>()
    for (const p of due) byUrl.set(p.url!, [...(byUrl.get(p.url!) ?? []), p])
    for (const [url, periods] of byUrl) {
      if (isDataFileName(linkFileName(url))) {
        for (const p of periods) {
          const status = await probe(url, p, deps, scope)
          if (status === 'exists') {
            findings.set(p.period, {
              period: p.period,
              dueOn: p.dueOn,
              status: 'found',
              files: [{ period: p.period, url, line: d.line, discovered: {} }],
            })
          } else if (status === 'missing') {
            findings.set(p.period, missingFinding(p, `${url} is not there (404)`))
          } else failed.set(p.period, status.error)
        }
        continue
      }
      // One page per period is that period's page; a page several periods share (a financial-year page)
      // only offers files that name their period.
      const pagePeriod = periods.length === 1 ? periods[0]!.period : undefined
      const scan = await scanPage(url, { pagePeriod, kind, wanted, deps, scope, order })
      candidates.push(...scan.candidates)
      for (const p of periods) {
        if (scan.missing) findings.set(p.period, missingFinding(p, `its page ${url} is not there (404)`))
        if (scan.error) failed.set(p.period, scan.error)
      }
    }
  } else if (d.landingPage !== undefined && due.length > 0) {
    const scan = await scanPage(d.landingPage, { kind, wanted, deps, scope, order })
    candidates.push(...scan.candidates)
    if (scan.missing || scan.error) {
      const why = scan.missing ? `landing page ${d.landingPage} is not there (404)` : scan.error!
      for (const p of due) failed.set(p.period, why)
    }
  }

  const verdicts = matchCandidates(candidates, {
    kind,
    wanted,
    patternsFor: (period) => patternsFor(d, period),
    allowedHosts: d.allowedHosts,
  })
  for (const v of verdicts) logVerdict(v, deps, scope)
  const files = new Map<string, PeriodSource[]>()
  for (const v of verdicts.filter((v) => v.decision === 'chosen')) {
    const source: PeriodSource = {
      period: v.period!,
      url: v.candidate.url,
      line: d.line,
      discovered: { page: v.candidate.page, ...(v.candidate.text ? { text: v.candidate.text } : {}) },
    }
    files.set(v.period!, [...(files.get(v.period!) ?? []), source])
  }

  for (const p of due) {
    const found = files.get(p.period)
    const why = failed.get(p.period)
    if (found && found.length > 0) {
      findings.set(p.period, { period: p.period, dueOn: p.dueOn, status: 'found', files: found })
    } else if (why !== undefined) {
      findings.set(p.period, { period: p.period, dueOn: p.dueOn, status: 'failed', files: [], reason: why })
      error ??= why
    } else if (!findings.has(p.period)) {
      findings.set(p.period, missingFinding(p, 'no file of this period was found'))
    }
  }

  const periods = looked.map((p) => findings.get(p.period)!).filter(Boolean)
  for (const f of periods) {
    if (f.status === 'found')
      deps.emit({ ...scope, period: f.period, event: 'discover.found', files: f.files.map((s) => s.url) })
    if (f.status === 'missing') {
      const message = `${f.period}: ${f.reason} (due since ${f.dueOn})`
      warnings.push(message)
      deps.emit({ ...scope, period: f.period, level: 'warn', event: 'discover.missing', message })
    }
    if (f.status === 'failed')
      deps.emit({
        ...scope,
        period: f.period,
        level: 'error',
        event: 'discover.error',
        error: { message: f.reason! },
      })
  }
  return {
    sources: periods.flatMap((f) => f.files),
    periods,
    warnings,
    ...(error !== undefined ? { error } : {}),
  }
}

function kindOf(period: string | undefined): PeriodKind {
  const parsed = parsePeriod(period ?? '')
  return isPeriodError(parsed) ? 'month' : parsed.kind
}

function missingFinding(p: PeriodPlan, reason: string): PeriodFinding {
  return { period: p.period, dueOn: p.dueOn, status: 'missing', files: [], reason }
}

function patternsFor(d: Discovery, key: string): string[] {
  const period = parsePeriod(key)
  if (isPeriodError(period)) return [...d.patterns]
  const values = templateValues(period, d.landingPage)
  return d.patterns.map((p) => renderTemplate(p, values))
}

async function probe(
  url: string,
  p: PeriodPlan,
  deps: DiscoverDeps,
  scope: { publication: string },
): Promise<'exists' | 'missing' | { error: string }> {
  if (!deps.probeFile) return 'exists'
  try {
    const status = await deps.probeFile(url, p.period)
    deps.emit({
      ...scope,
      period: p.period,
      level: 'debug',
      event: 'discover.probe',
      source: url,
      message: status,
    })
    return status
  } catch (error) {
    return { error: errorDetail(error).message }
  }
}

/** Is `url` a page below `page` on the same site (same origin, path under the page's path)? */
export function isSubPage(url: string, page: string): boolean {
  let u: URL
  let p: URL
  try {
    u = new URL(url)
    p = new URL(page)
  } catch {
    return false
  }
  if (u.origin !== p.origin) return false
  const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`
  return u.pathname.startsWith(base) && u.pathname.length > base.length
}

/** The one wanted period a sub-page's address (last path segment) or link text names, if exactly one. */
function subPagePeriod(link: PageLink, kind: PeriodKind, wanted: ReadonlySet<string>): string | undefined {
  const segment = decodeURIComponentSafe(
    new URL(link.url).pathname.replace(/\/+$/, '').split('/').pop() ?? '',
  )
  const named = new Set([...periodsMentioned(segment, kind), ...periodsMentioned(link.text, kind)])
  const hits = [...named].filter((p) => wanted.has(p))
  return named.size === 1 && hits.length === 1 ? hits[0] : undefined
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

async function scanPage(
  url: string,
  ctx: {
    pagePeriod?: string
    kind: PeriodKind
    wanted: ReadonlySet<string>
    deps: DiscoverDeps
    scope: { publication: string }
    order: { next: number }
  },
): Promise<Scan> {
  const read = await readPage(url, 0, ctx)
  if ('error' in read) return { candidates: [], error: read.error }
  if (read.status === 'missing') return { candidates: [], missing: read.message }
  const candidates = dataLinks(read.links, url, 0, ctx.pagePeriod, ctx.order)
  const subPages = read.links.filter((l) => !isDataFileName(linkFileName(l.url)) && isSubPage(l.url, url))
  if (subPages.length > MAX_SUBPAGES)
    ctx.deps.emit({
      ...ctx.scope,
      level: 'warn',
      event: 'discover.page',
      source: url,
      message: `${subPages.length} sub-pages; only the first ${MAX_SUBPAGES} are read`,
    })
  for (const link of subPages.slice(0, MAX_SUBPAGES)) {
    const pagePeriod = ctx.pagePeriod ?? subPagePeriod(link, ctx.kind, ctx.wanted)
    const sub = await readPage(link.url, 1, ctx)
    if ('error' in sub) {
      ctx.deps.emit({
        ...ctx.scope,
        level: 'warn',
        event: 'discover.page',
        source: link.url,
        message: sub.error,
      })
      continue
    }
    if (sub.status === 'missing') continue
    candidates.push(...dataLinks(sub.links, link.url, 1, pagePeriod, ctx.order))
  }
  return { candidates }
}

async function readPage(
  url: string,
  depth: number,
  ctx: { deps: DiscoverDeps; scope: { publication: string } },
): Promise<PageRead | { error: string }> {
  try {
    const read = await ctx.deps.readPage(url)
    ctx.deps.emit({
      ...ctx.scope,
      level: depth === 0 ? 'info' : 'debug',
      event: 'discover.page',
      source: url,
      status: read.status,
      depth,
      ...(read.status !== 'missing' ? { links: read.links.length } : {}),
    })
    return read
  } catch (error) {
    return { error: errorDetail(error).message }
  }
}

function dataLinks(
  links: readonly PageLink[],
  page: string,
  depth: number,
  pagePeriod: string | undefined,
  order: { next: number },
): Candidate[] {
  return links
    .filter((l) => isDataFileName(linkFileName(l.url)))
    .map((l) => ({
      url: l.url,
      text: l.text,
      page,
      depth,
      order: order.next++,
      ...(pagePeriod !== undefined ? { pagePeriod } : {}),
    }))
}

function logVerdict(v: Verdict, deps: DiscoverDeps, scope: { publication: string }): void {
  deps.emit({
    ...scope,
    ...(v.period ? { period: v.period } : {}),
    level: 'debug',
    event: 'discover.candidate',
    source: v.candidate.url,
    file: v.fileName,
    text: v.candidate.text,
    page: v.candidate.page,
    decision: v.decision,
    ...(v.periodFrom ? { period_from: v.periodFrom } : {}),
    message: v.reason,
  })
}
