import { descriptionSourceLabel } from '../read/index.js'
import { cadenceOf, rowsChart } from './chart.js'
import {
  type Cell,
  counted,
  esc,
  formatBytes,
  formatCount,
  hrefPart,
  page,
  SITE_NAME,
  table,
  time,
} from './html.js'
import type { SiteModel, SiteParquet, SitePublication, SiteSource } from './model.js'

export interface RenderOptions {
  /** Where the Parquet files are, relative to the site root, ending in `/` (`exports/`, `../exports/`). */
  readonly parquetBase?: string
}

const num = (n: number): Cell => ({ html: formatCount(n), numeric: true })
const code = (text: string) => `<code>${esc(text)}</code>`

/** Pages of a publication live in a folder named by its code; a source's page is named by its key. */
export const publicationHref = (pub: SitePublication) => `${hrefPart(pub.code)}/index.html`
export const sourceHref = (pub: SitePublication, source: SiteSource) =>
  `${hrefPart(pub.code)}/${hrefPart(source.key)}.html`
export const columnAnchor = (name: string) => `col-${name}`

export const sourceLabel = (source: SiteSource) => source.title || source.key

function footer(model: SiteModel): string {
  const origin = model.origin === 'database' ? 'the database' : 'the Parquet exports and catalog'
  return `Generated ${time(model.generatedAt)} from ${origin} by DataWarp.`
}

function latestLoaded(pub: SitePublication) {
  const loaded = pub.periods.filter((p) => p.status === 'loaded')
  const latest = loaded[loaded.length - 1]
  const loadedAt = loaded
    .map((p) => p.loadedAt)
    .filter((t): t is string => !!t)
    .sort()
    .pop()
  return { period: latest?.period, loadedAt }
}

/** Periods whose latest attempt did not load (held for review, failed), as tags. */
function waiting(pub: SitePublication): string {
  return pub.periods
    .filter((p) => p.status !== 'loaded')
    .map((p) => ` <span class="tag tag-${esc(p.status)}">${esc(p.period)} ${esc(p.status)}</span>`)
    .join('')
}

const publicationRows = (pub: SitePublication) => pub.sources.reduce((n, s) => n + s.rows, 0)

export function renderIndex(model: SiteModel): string {
  const pubs = model.publications
  const sources = pubs.reduce((n, p) => n + p.sources.length, 0)
  const rows = pubs.reduce((n, p) => n + publicationRows(p), 0)
  const columns = pubs.reduce((n, p) => n + p.sources.reduce((m, s) => m + s.columns.length, 0), 0)
  const overview = table({
    caption: 'Publications',
    head: [
      'Publication',
      'Cadence',
      'Latest period',
      'Loaded',
      { html: 'Sources', numeric: true },
      { html: 'Rows', numeric: true },
    ],
    rows: pubs.map((pub) => {
      const latest = latestLoaded(pub)
      return [
        `<a href="${publicationHref(pub)}">${esc(pub.name)}</a><br><span class="muted">${code(pub.code)}</span>`,
        esc(cadenceOf(pub.periods.map((p) => p.period)) ?? ''),
        esc(latest.period ?? 'none') + waiting(pub),
        time(latest.loadedAt),
        num(pub.sources.length),
        num(publicationRows(pub)),
      ]
    }),
  })
  const sourceLists = pubs
    .map(
      (pub) => `<section aria-labelledby="pub-${esc(pub.code)}">
<h3 id="pub-${esc(pub.code)}"><a href="${publicationHref(pub)}">${esc(pub.name)}</a></h3>
${pub.description ? `<p class="muted">${esc(pub.description)}</p>\n` : ''}<ul class="sources">
${pub.sources
  .map(
    (s) =>
      `<li><a href="${sourceHref(pub, s)}">${esc(sourceLabel(s))}</a> <span class="muted">${code(s.table)} · ${formatCount(s.rows)} rows · ${s.columns.length} columns</span></li>`,
  )
  .join('\n')}
</ul>
</section>`,
    )
    .join('\n')
  const main = `<h1>${SITE_NAME}</h1>
<p class="lede">${counted(pubs.length, 'publication')}, ${counted(sources, 'source')}, ${counted(columns, 'column')} and ${counted(rows, 'row')}, loaded by DataWarp into PostgreSQL and exported as Parquet. Search above, or pick a publication.</p>
<h2>Publications</h2>
${pubs.length > 0 ? overview : '<p>Nothing is loaded yet.</p>'}
<h2>Sources</h2>
${sourceLists}`
  return page({
    title: SITE_NAME,
    root: '',
    trail: [{ label: SITE_NAME }],
    main,
    footer: footer(model),
    description: 'Every publication, source and column DataWarp holds.',
  })
}

function driftSection(model: SiteModel, pub: SitePublication): string {
  const reviews = model.repository
    ? `<p><a href="https://github.com/${esc(model.repository)}/pulls?q=${hrefPart(`is:pr head:datawarp/manifest/${pub.code}`)}">Review pull requests of ${esc(pub.code)} on GitHub</a></p>`
    : ''
  if (!pub.drift) {
    return `<p>The Parquet exports do not carry the load ledger, so this site has no drift history; generate it from the database to see one.</p>${reviews}`
  }
  if (pub.drift.length === 0) {
    return `<p>No drift: every loaded period matched the canonical manifest.</p>${reviews}`
  }
  const events = [...pub.drift]
    .reverse()
    .map((d) => {
      const pr = d.pullRequest
        ? ` · <a href="${esc(d.pullRequest.url)}">review pull request${d.pullRequest.number ? ` #${d.pullRequest.number}` : ''}</a>`
        : ''
      const changes = d.changes.length
        ? `<ul>${d.changes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`
        : ''
      return `<li><strong>${esc(d.period)}</strong> <span class="tag tag-${esc(d.kind)}">${esc(d.kind)}</span> ${time(d.at)}${pr}${changes}</li>`
    })
    .join('\n')
  return `<ul class="drift">\n${events}\n</ul>${reviews}`
}

function manifestDetails(text: string | undefined, label: string): string {
  if (!text) return '<p>The canonical manifest was not available when this site was generated.</p>'
  return `<details class="manifest"><summary>${esc(label)}</summary>
<pre tabindex="0"><code>${esc(text)}</code></pre>
</details>`
}

export function renderPublication(model: SiteModel, pub: SitePublication): string {
  const cadence = cadenceOf(pub.periods.map((p) => p.period))
  const latest = latestLoaded(pub)
  const sources = table({
    caption: `Sources of ${pub.name}`,
    head: ['Source', 'Table', 'Periods', { html: 'Columns', numeric: true }, { html: 'Rows', numeric: true }],
    rows: pub.sources.map((s) => [
      `<a href="${hrefPart(s.key)}.html">${esc(sourceLabel(s))}</a>`,
      code(s.table),
      esc(periodRange(s.periods.map((p) => p.period))),
      num(s.columns.length),
      num(s.rows),
    ]),
  })
  const periods = table({
    caption: `Periods of ${pub.name}`,
    head: ['Period', 'Status', { html: 'Rows', numeric: true }, 'Loaded'],
    rows: [...pub.periods]
      .reverse()
      .map((p) => [
        esc(p.period),
        `<span class="tag tag-${esc(p.status)}">${esc(p.status)}</span>`,
        num(p.rows),
        time(p.loadedAt),
      ]),
  })
  const facts = [
    ['Code and schema', code(pub.code)],
    cadence ? ['Cadence', esc(cadence)] : undefined,
    ['Latest period', esc(latest.period ?? 'none')],
    latest.loadedAt ? ['Last loaded', time(latest.loadedAt)] : undefined,
    ['Rows', formatCount(publicationRows(pub))],
  ].filter((f): f is string[] => !!f)
  const main = `<h1>${esc(pub.name)}</h1>
${pub.description ? `<p class="lede">${esc(pub.description)}</p>\n` : ''}<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
<h2>Sources</h2>
${pub.sources.length > 0 ? sources : '<p>No sources loaded.</p>'}
<h2>Rows per period</h2>
${rowsChart(
  pub.periods.filter((p) => p.status === 'loaded'),
  'pub-chart',
)}
<h2>Periods</h2>
${pub.periods.length > 0 ? periods : '<p>No periods.</p>'}
<h2>Drift history</h2>
${driftSection(model, pub)}
<h2>Canonical manifest</h2>
${manifestDetails(pub.manifestText, pub.manifestPath ?? `${pub.code} canonical manifest`)}`
  return page({
    title: pub.name,
    root: '../',
    trail: [{ label: SITE_NAME, href: '../index.html' }, { label: pub.name }],
    main,
    footer: footer(model),
    description: pub.description,
  })
}

function periodRange(periods: readonly string[]): string {
  if (periods.length === 0) return 'none'
  const sorted = [...periods].sort()
  return sorted.length === 1 ? sorted[0]! : `${sorted[0]} to ${sorted[sorted.length - 1]} (${sorted.length})`
}

function queryExample(source: SiteSource): string {
  const latest = [...source.periods]
    .map((p) => p.period)
    .sort()
    .pop()
  const where = latest ? `\nWHERE _period = '${latest.replace(/'/g, "''")}'` : ''
  return `SELECT *\nFROM ${source.table}${where}\nLIMIT 100;`
}

function sampleTable(source: SiteSource): string {
  const sample = source.sample
  if (!sample || sample.rows.length === 0) return '<p>No sample rows.</p>'
  return table({
    caption: `Sample rows of ${sourceLabel(source)}`,
    head: sample.columns.map(code),
    rows: sample.rows.map((r) => r.map((v) => (v === null ? '<span class="null">NULL</span>' : esc(v)))),
    className: 'sample',
  })
}

/** The source's Parquet files (one per period): one link, or the list of them folded under their count. */
function parquetLinks(parquet: SiteParquet, parquetBase: string): string {
  const link = (file: SiteParquet['files'][number]) =>
    `<a href="../${parquetBase}${file.path.split('/').map(hrefPart).join('/')}" download>${esc(file.path)}</a> (${formatBytes(file.bytes)})`
  if (parquet.files.length === 1) return link(parquet.files[0]!)
  return `<details class="parquet-files"><summary>${parquet.files.length} files in ${code(`${parquet.folder}/`)}, one per period (${formatBytes(parquet.bytes)})</summary><ul>${parquet.files.map((f) => `<li>${link(f)}</li>`).join('')}</ul></details>`
}
/** Where a description came from, after it: " (from the publication)", muted. */
function sourceNote(source: string | undefined): string {
  return source ? ` <span class="muted">(${esc(descriptionSourceLabel(source))})</span>` : ''
}

export function renderSource(
  model: SiteModel,
  pub: SitePublication,
  source: SiteSource,
  options: RenderOptions = {},
): string {
  const label = sourceLabel(source)
  const columns = table({
    caption: `Columns of ${label}`,
    head: ['Name', 'Title', 'Type', 'Unit', 'Role', 'Description'],
    rows: source.columns.map((c) => [
      `<a class="anchor" href="#${esc(columnAnchor(c.name))}">${code(c.name)}</a>`,
      esc(c.title ?? ''),
      esc(c.type),
      esc(c.unit ?? ''),
      esc(c.role ?? ''),
      esc(
        [c.description ?? '', c.retiredSince ? `(no longer published from ${c.retiredSince})` : '']
          .filter(Boolean)
          .join(' '),
      ) + (c.description ? sourceNote(c.descriptionSource) : ''),
    ]),
    rowIds: source.columns.map((c) => columnAnchor(c.name)),
    className: 'columns',
  })
  const download =
    source.parquet && options.parquetBase !== undefined
      ? parquetLinks(source.parquet, options.parquetBase)
      : 'not exported'
  const facts = [
    ['Publication', `<a href="index.html">${esc(pub.name)}</a>`],
    ['Table', code(source.table)],
    ['Rows', formatCount(source.rows)],
    ['Periods', esc(periodRange(source.periods.map((p) => p.period)))],
    ['Parquet', download],
  ]
  const main = `<h1>${esc(label)}</h1>
${source.description ? `<p class="lede">${esc(source.description)}${sourceNote(source.descriptionSource)}</p>\n` : ''}<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
<h2>Query it</h2>
<pre class="query" tabindex="0"><code>${esc(queryExample(source))}</code></pre>
<h2>Columns</h2>
${columns}
<p class="muted">Every table also has the lineage columns ${code('_period')}, ${code('_load_id')}, ${code('_source_file')} and ${code('_loaded_at')}.</p>
<h2>Rows per period</h2>
${rowsChart(source.periods, 'source-chart')}
<h2>Sample rows</h2>
${sampleTable(source)}
<h2>Canonical manifest</h2>
${manifestDetails(source.manifestText, `The source ${source.key} in the canonical manifest`)}`
  return page({
    title: `${label} (${pub.name})`,
    root: '../',
    trail: [{ label: SITE_NAME, href: '../index.html' }, { label: pub.name, href: 'index.html' }, { label }],
    main,
    footer: footer(model),
    description: source.description,
  })
}
