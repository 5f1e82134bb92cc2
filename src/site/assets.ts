import { createSearch } from './search.js'
import { SEARCH_GLOBAL } from './search-index.js'

/** Results shown at once; the count says how many more matched. */
export const SHOWN_RESULTS = 50

/** The one stylesheet: system fonts, readable from a phone up, contrast at WCAG AA or better. */
export const SITE_CSS = `:root{--ink:#1d2329;--muted:#4c5661;--line:#d3d9de;--soft:#f3f5f7;--link:#0b57a4;--accent:#005eb8;--low:#a04a00;--missing:#c0261a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:var(--ink);background:#fff}
*{box-sizing:border-box}
body{margin:0}
a{color:var(--link)}
a:focus-visible,input:focus-visible,summary:focus-visible,pre:focus-visible,.table-wrap:focus-visible{outline:3px solid #ffb81c;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem;z-index:2}
.skip:focus{left:.5rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{background:var(--accent);color:#fff}
.topbar{max-width:72rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.brand{color:#fff;font-weight:700;font-size:1.15rem;text-decoration:none}
.brand:hover{text-decoration:underline}
.search{display:flex;gap:.5rem;align-items:center;flex:1 1 18rem;max-width:32rem}
.search label{font-weight:600}
.search input{flex:1;min-width:0;font:inherit;padding:.4rem .6rem;border:2px solid #fff;border-radius:4px}
.page{max-width:72rem;margin:0 auto;padding:0 1rem 2rem}
.crumbs ol{list-style:none;padding:0;margin:.8rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem;font-size:.95rem}
.crumbs li+li::before{content:"›";margin-right:.35rem;color:var(--muted)}
h1{font-size:1.7rem;line-height:1.25;margin:1rem 0 .5rem}
h2{font-size:1.3rem;margin:2rem 0 .6rem;padding-top:.4rem;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
.lede{font-size:1.08rem;max-width:48rem}
.muted{color:var(--muted)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
pre{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.75rem;overflow:auto;max-height:32rem;font-size:.85rem}
pre code,td code,th code{overflow-wrap:normal}
td:first-child code{white-space:nowrap}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.5rem 1rem;margin:1rem 0}
.facts div{border-left:3px solid var(--accent);padding-left:.6rem}
.facts dt{font-size:.85rem;color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:.5rem 0 1rem;border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid var(--line)}
thead th{background:var(--soft);white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.columns td:nth-child(6){min-width:16rem}
table.sample td{white-space:nowrap;max-width:18rem;overflow:hidden;text-overflow:ellipsis}
tr:target{background:#fff4cc}
.null{color:var(--muted);font-style:italic}
.anchor{text-decoration:none}
.sources{padding-left:1.2rem;margin:.2rem 0}
section>p.muted{margin:.1rem 0 .3rem}
.sources li{margin:.15rem 0}
.tag{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.82rem;background:var(--soft);border:1px solid var(--line)}
.tag-held{background:#fff4cc;border-color:#c99a00}
.tag-failed{background:#fde4e1;border-color:var(--missing)}
.drift{padding-left:1.2rem}
.drift>li{margin:.5rem 0}
.drift ul{margin:.2rem 0;font-size:.92rem}
.chart{margin:.5rem 0}
.plot{max-width:100%}
.chart svg{display:block;width:100%;height:7.5rem;background:var(--soft);border:1px solid var(--line);border-radius:4px}
.chart .bar,.swatch.bar{fill:var(--accent);background:var(--accent)}
.chart .low,.swatch.low{fill:var(--low);background:var(--low)}
.chart .missing,.swatch.missing{fill:var(--missing);background:var(--missing)}
.chart figcaption{margin-bottom:.3rem}
.axis{display:flex;justify-content:space-between;gap:1rem;font-size:.85rem;color:var(--muted)}
.legend{display:flex;gap:.4rem 1rem;flex-wrap:wrap;font-size:.85rem;color:var(--muted);margin-top:.2rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;border-radius:2px}
details{margin:.5rem 0}
summary{cursor:pointer;color:var(--link)}
.results{margin:1rem 0;padding:.5rem 1rem 1rem;border:2px solid var(--accent);border-radius:6px}
.results h2{border:0;margin:.4rem 0;padding:0}
.results ul{list-style:none;padding:0;margin:0}
.results li{padding:.35rem 0;border-bottom:1px solid var(--line)}
.results .kind{display:inline-block;min-width:6.5rem;font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.results .context{display:block;font-size:.88rem;color:var(--muted)}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid var(--line);font-size:.88rem;color:var(--muted)}
@media (max-width:40rem){h1{font-size:1.4rem}.search label{position:absolute;left:-999px}.facts{grid-template-columns:1fr}}
`

/** The browser side of the search box: the same `createSearch` the tests call, and the code showing its hits. */
export function siteScript(): string {
  return `(function () {
'use strict';
var createSearch = ${createSearch.toString()};
var index = window.${SEARCH_GLOBAL};
var input = document.getElementById('q');
var panel = document.getElementById('search-results');
var count = document.getElementById('search-count');
var list = document.getElementById('search-list');
if (!index || !input || !panel || !count || !list) return;
var root = document.body.getAttribute('data-root') || '';
var search = createSearch(index);
var LIMIT = ${SHOWN_RESULTS};
function show(query) {
  var result = search(query, LIMIT);
  list.textContent = '';
  if (!query.trim()) { panel.hidden = true; count.textContent = ''; return; }
  panel.hidden = false;
  count.textContent = result.total === 0 ? 'Nothing matches \\u201c' + query.trim() + '\\u201d.'
    : result.total + (result.total === 1 ? ' match' : ' matches')
      + (result.total > result.hits.length ? ', showing the first ' + result.hits.length + ': add words to narrow them.' : '.');
  result.hits.forEach(function (hit) {
    var item = document.createElement('li');
    var kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = hit.kind;
    var link = document.createElement('a');
    link.href = root + hit.href;
    link.textContent = hit.label;
    var context = document.createElement('span');
    context.className = 'context';
    context.textContent = hit.context;
    item.appendChild(kind);
    item.appendChild(link);
    item.appendChild(context);
    list.appendChild(item);
  });
}
input.addEventListener('input', function () { show(input.value); });
input.form.addEventListener('submit', function (event) {
  event.preventDefault();
  show(input.value);
  var first = list.querySelector('a');
  if (first) first.focus();
});
var initial = new URLSearchParams(window.location.search).get('q');
if (initial) { input.value = initial; show(initial); }
})();
`
}
