import type { PublicationInfo } from './types.js'

interface Gathered {
  name: string
  sources: string[]
  periods: Map<string, { rows: number; loadedAt: string | null }>
}

/** Publications from their sources and loaded periods (one entry per source and period), in code order. */
export function publicationsFrom(
  sources: readonly { publication: string; name: string; sourceKey: string }[],
  periods: readonly { publication: string; period: string; rows: number; loadedAt: string | null }[],
): PublicationInfo[] {
  const byCode = new Map<string, Gathered>()
  for (const s of sources) {
    const pub: Gathered = byCode.get(s.publication) ?? { name: s.name, sources: [], periods: new Map() }
    pub.sources.push(`${s.publication}__${s.sourceKey}`)
    byCode.set(s.publication, pub)
  }
  for (const p of periods) {
    const pub = byCode.get(p.publication)
    if (!pub) continue
    const seen = pub.periods.get(p.period)
    const loadedAt =
      [seen?.loadedAt ?? null, p.loadedAt]
        .filter((t) => t !== null)
        .sort()
        .at(-1) ?? null
    pub.periods.set(p.period, { rows: (seen?.rows ?? 0) + p.rows, loadedAt })
  }
  return [...byCode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, pub]) => ({
      code,
      name: pub.name,
      sources: pub.sources.sort(),
      periods: [...pub.periods.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([period, p]) => ({ period, rows: p.rows, loadedAt: p.loadedAt })),
    }))
}
