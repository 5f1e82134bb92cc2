import type { PublicationEntry } from '../model/config.js'
import { DEFAULT_FILE_HOSTS, type Discovery, type PeriodPlan } from '../model/discovery.js'
import { isPeriodError, parsePeriod } from '../model/period.js'
import { expandSchedule, scheduled } from '../model/period-schedule.js'
import { renderTemplate, templateValues } from '../model/period-text.js'

/** Where a field of this publication is written: the 1-based line of a path below the publication. */
export type LineOf = (path: readonly (string | number)[]) => number

/**
 * Resolves a publication's landing_page / url_template / periods / discover into the periods to look for
 * (each with its due day and rendered URL) and the hosts files may come from. `today` decides `end: current`
 * and which periods are due. Periods listed under `urls` are left to those entries.
 */
export function resolveDiscovery(
  entry: PublicationEntry,
  lineOf: LineOf,
  today: Date,
): Discovery | undefined {
  if (entry.url_template === undefined && entry.discover === undefined) return undefined
  const explicit = new Set(entry.urls.map((u) => u.period))
  const listed = entry.periods
  const planned: { period: string; dueOn: string; due: boolean; line: number }[] = Array.isArray(listed)
    ? listed.map((period, i) => ({ ...scheduled(period, 0, today), line: lineOf(['periods', i]) }))
    : listed
      ? expandSchedule(listed, today).map((s) => ({ ...s, line: lineOf(['periods']) }))
      : []
  const periods: PeriodPlan[] = []
  for (const p of planned) {
    if (explicit.has(p.period)) continue
    const period = parsePeriod(p.period)
    if (isPeriodError(period)) continue
    const url =
      entry.url_template === undefined
        ? undefined
        : renderTemplate(entry.url_template, templateValues(period, entry.landing_page))
    periods.push({ ...p, ...(url !== undefined ? { url } : {}) })
  }
  const pageHosts = [entry.landing_page, periods[0]?.url].flatMap((u) => (u ? [hostOf(u)] : []))
  const allowedHosts = [
    ...new Set((entry.allowed_hosts ?? [...pageHosts, ...DEFAULT_FILE_HOSTS]).map((h) => h.toLowerCase())),
  ]
  const patterns = entry.discover === undefined ? ['*'] : [entry.discover].flat()
  return {
    ...(entry.landing_page !== undefined ? { landingPage: entry.landing_page } : {}),
    ...(entry.url_template !== undefined ? { urlTemplate: entry.url_template } : {}),
    patterns,
    allowedHosts,
    periods,
    line: lineOf([entry.url_template !== undefined ? 'url_template' : 'discover']),
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return ''
  }
}
