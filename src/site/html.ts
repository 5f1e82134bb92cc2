/** Small helpers for writing HTML as strings: every text that came from data goes through `esc`. */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

/** A URL path segment or file name inside an href. */
export const hrefPart = (text: string) => encodeURIComponent(text)

export const formatCount = (n: number) => n.toLocaleString('en-GB')

/** `1 source`, `3 sources`. */
export const counted = (n: number, one: string, many = `${one}s`) =>
  `${formatCount(n)} ${n === 1 ? one : many}`

/** `2026-12-04T10:17:03.120Z` → `2026-12-04 10:17 UTC`. */
export function formatWhen(iso: string | undefined): string {
  if (!iso) return ''
  const when = new Date(iso)
  if (Number.isNaN(when.getTime())) return iso
  return `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** A `<time>` element for an ISO moment, or an empty string. */
export function time(iso: string | undefined): string {
  return iso ? `<time datetime="${esc(iso)}">${esc(formatWhen(iso))}</time>` : ''
}

export interface Cell {
  readonly html: string
  /** Right-aligned (numbers). */
  readonly numeric?: boolean
}

/** A table in a focusable scrolling region, so a wide table scrolls on a phone and by keyboard. */
export function table(options: {
  readonly caption: string
  readonly head: readonly (string | Cell)[]
  readonly rows: readonly (readonly (string | Cell)[])[]
  readonly rowIds?: readonly (string | undefined)[]
  readonly className?: string
  /** Caption visible, or only for screen readers. */
  readonly showCaption?: boolean
}): string {
  const cell = (tagName: string, c: string | Cell, scope = '') => {
    const { html, numeric } = typeof c === 'string' ? { html: c, numeric: false } : c
    return `<${tagName}${scope}${numeric ? ' class="num"' : ''}>${html}</${tagName}>`
  }
  const head = options.head.map((h) => cell('th', h, ' scope="col"')).join('')
  const body = options.rows
    .map((row, i) => {
      const id = options.rowIds?.[i]
      return `<tr${id ? ` id="${esc(id)}"` : ''}>${row.map((c) => cell('td', c)).join('')}</tr>`
    })
    .join('\n')
  const caption = `<caption${options.showCaption ? '' : ' class="visually-hidden"'}>${esc(options.caption)}</caption>`
  return `<div class="table-wrap" role="region" aria-label="${esc(options.caption)}" tabindex="0">
<table${options.className ? ` class="${options.className}"` : ''}>${caption}
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>`
}

export interface PageOptions {
  /** The page's own title (the site name is added). */
  readonly title: string
  /** The path from this page to the site root: '' or '../'. */
  readonly root: string
  /** Breadcrumb trail above the heading: label and href (relative to this page); the last is the page. */
  readonly trail: readonly { readonly label: string; readonly href?: string }[]
  readonly main: string
  readonly footer: string
  readonly description?: string
}

export const SITE_NAME = 'DataWarp catalog'

/** The frame every page shares: skip link, header with the search box, breadcrumbs, main, footer, scripts. */
export function page(options: PageOptions): string {
  const { root } = options
  const crumbs = options.trail
    .map((c) =>
      c.href
        ? `<li><a href="${c.href}">${esc(c.label)}</a></li>`
        : `<li aria-current="page">${esc(c.label)}</li>`,
    )
    .join('')
  const title = options.title === SITE_NAME ? SITE_NAME : `${options.title} · ${SITE_NAME}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
${options.description ? `<meta name="description" content="${esc(options.description)}">\n` : ''}<link rel="stylesheet" href="${root}assets/site.css">
</head>
<body data-root="${root}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<div class="topbar">
<a class="brand" href="${root}index.html">${SITE_NAME}</a>
<form class="search" role="search" action="${root}index.html" method="get">
<label for="q">Search</label>
<input id="q" name="q" type="search" autocomplete="off" placeholder="Publications, sources, columns" aria-controls="search-results" aria-describedby="search-hint">
<span id="search-hint" class="visually-hidden">Results appear below as you type.</span>
</form>
</div>
</header>
<div class="page">
<section id="search-results" class="results" aria-labelledby="results-heading" hidden>
<h2 id="results-heading">Search results</h2>
<p id="search-count" role="status" aria-live="polite"></p>
<ul id="search-list"></ul>
</section>
${options.trail.length > 1 ? `<nav class="crumbs" aria-label="Breadcrumb"><ol>${crumbs}</ol></nav>\n` : ''}<main id="main">
${options.main}
</main>
<footer>${options.footer}</footer>
</div>
<script src="${root}assets/search-index.js" defer></script>
<script src="${root}assets/site.js" defer></script>
</body>
</html>
`
}
