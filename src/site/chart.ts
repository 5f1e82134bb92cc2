import { isPeriodError, parsePeriod } from '../model/period.js'
import { nextPeriod } from '../model/period-schedule.js'
import { esc, formatCount, table } from './html.js'

export interface PeriodRows {
  readonly period: string
  readonly rows: number
}

/** A bar of the chart: rows of a period, or null for a period of the cadence with no rows at all. */
export interface ChartBar {
  readonly period: string
  readonly rows: number | null
  /** Fewer than half the median rows of the loaded periods: a region or a month may be missing. */
  readonly low: boolean
}

/** Gaps are filled only over a span this long, so a stray period cannot make a chart of thousands of bars. */
const MAX_SPAN = 600

const CADENCE_NAMES: Readonly<Record<string, string>> = {
  month: 'monthly',
  quarter: 'quarterly',
  financial_year: 'financial years',
  year: 'annual',
}

/** monthly / quarterly / financial years / annual, when every period is of one kind. */
export function cadenceOf(periods: readonly string[]): string | undefined {
  const kinds = new Set(
    periods.map((p) => {
      const parsed = parsePeriod(p)
      return isPeriodError(parsed) ? 'other' : parsed.kind
    }),
  )
  const [kind] = kinds
  return kinds.size === 1 && kind ? CADENCE_NAMES[kind] : undefined
}

/** Periods oldest first, with the periods of the cadence that have no rows in between as gaps. */
export function periodSeries(periods: readonly PeriodRows[]): ChartBar[] {
  const sorted = [...periods].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
  const loaded = sorted.map((p) => p.rows).filter((n) => n > 0)
  const median = loaded.length > 0 ? [...loaded].sort((a, b) => a - b)[Math.floor(loaded.length / 2)]! : 0
  const bar = (p: PeriodRows): ChartBar => ({ period: p.period, rows: p.rows, low: p.rows < median / 2 })
  if (sorted.length < 2 || !cadenceOf(sorted.map((p) => p.period))) return sorted.map(bar)
  const byPeriod = new Map(sorted.map((p) => [p.period, p]))
  const last = sorted[sorted.length - 1]!.period
  const bars: ChartBar[] = []
  for (let key = sorted[0]!.period; bars.length <= MAX_SPAN; key = nextPeriod(key)) {
    const known = byPeriod.get(key)
    bars.push(known ? bar(known) : { period: key, rows: null, low: false })
    if (key === last) return bars
  }
  return sorted.map(bar)
}

const WIDTH = 640
const BAR_WIDTH = 56
const HEIGHT = 120

function svgBars(bars: readonly ChartBar[]): string {
  const max = Math.max(1, ...bars.map((b) => b.rows ?? 0))
  const step = WIDTH / bars.length
  const gap = step > 6 ? Math.min(4, step * 0.2) : 0
  return bars
    .map((b, i) => {
      const x = (i * step + gap / 2).toFixed(2)
      const w = Math.max(0.5, step - gap).toFixed(2)
      const label = `${b.period}: ${b.rows === null ? 'no rows' : `${formatCount(b.rows)} rows`}`
      if (b.rows === null) {
        return `<rect class="missing" x="${x}" y="${HEIGHT - 8}" width="${w}" height="8"><title>${esc(label)}</title></rect>`
      }
      const h = b.rows === 0 ? 0 : Math.max(1, (b.rows / max) * (HEIGHT - 4))
      return `<rect class="${b.low ? 'low' : 'bar'}" x="${x}" y="${(HEIGHT - h).toFixed(2)}" width="${w}" height="${h.toFixed(2)}"><title>${esc(label)}</title></rect>`
    })
    .join('')
}

/** What the chart shows, in words: the chart's accessible name and its caption. */
export function chartSummary(bars: readonly ChartBar[]): string {
  if (bars.length === 0) return 'No periods loaded.'
  const loaded = bars.filter((b) => b.rows !== null)
  const missing = bars.filter((b) => b.rows === null).map((b) => b.period)
  const low = bars.filter((b) => b.low).map((b) => b.period)
  const max = Math.max(...loaded.map((b) => b.rows ?? 0))
  const parts = [
    `${loaded.length} period${loaded.length === 1 ? '' : 's'} from ${bars[0]!.period} to ${bars[bars.length - 1]!.period}, at most ${formatCount(max)} rows.`,
  ]
  if (missing.length > 0) parts.push(`No rows for ${listPeriods(missing)}.`)
  if (low.length > 0) parts.push(`Under half the usual rows: ${listPeriods(low)}.`)
  return parts.join(' ')
}

function listPeriods(periods: readonly string[]): string {
  return periods.length <= 6
    ? periods.join(', ')
    : `${periods.slice(0, 5).join(', ')} and ${periods.length - 5} more`
}

/** A small bar chart of rows per period, with its numbers in a table for screen readers and the curious. */
export function rowsChart(periods: readonly PeriodRows[], idPrefix: string): string {
  const bars = periodSeries(periods)
  if (bars.length === 0) return '<p>No periods loaded.</p>'
  const summary = chartSummary(bars)
  const legend = [
    '<span class="key"><span class="swatch bar"></span>rows</span>',
    bars.some((b) => b.low)
      ? '<span class="key"><span class="swatch low"></span>under half the median</span>'
      : '',
    bars.some((b) => b.rows === null)
      ? '<span class="key"><span class="swatch missing"></span>no rows</span>'
      : '',
  ].join('')
  const numbers = table({
    caption: 'Rows per period',
    head: ['Period', { html: 'Rows', numeric: true }],
    rows: [...bars]
      .reverse()
      .map((b) => [esc(b.period), { html: b.rows === null ? 'none' : formatCount(b.rows), numeric: true }]),
  })
  // A few periods get narrow bars rather than a wall of colour: the plot is at most BAR_WIDTH pixels a period.
  const width =
    bars.length * BAR_WIDTH < WIDTH ? ` style="width:${Math.max(bars.length * BAR_WIDTH, 160)}px"` : ''
  return `<figure class="chart">
<figcaption id="${idPrefix}-summary">${esc(summary)}</figcaption>
<div class="plot"${width}>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-labelledby="${idPrefix}-summary">${svgBars(bars)}</svg>
<div class="axis"><span>${esc(bars[0]!.period)}</span><span>${esc(bars[bars.length - 1]!.period)}</span></div>
</div>
<div class="legend">${legend}</div>
</figure>
<details class="numbers"><summary>Rows per period as a table</summary>
${numbers}
</details>`
}
