import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { siteScript } from './assets.js'
import { manifestDescription, plainTable } from './build-model.js'
import { cadenceOf, chartSummary, periodSeries } from './chart.js'
import type { SiteModel } from './model.js'
import { renderIndex, renderPublication, renderSource } from './pages.js'
import { createSearch } from './search.js'
import { buildSearchIndex, searchIndexScript } from './search-index.js'
import { SITE_MARKER, writeSite } from './write-site.js'

const MODEL: SiteModel = {
  generatedAt: '2026-12-04T10:17:00.000Z',
  origin: 'database',
  repository: 'nhs/datawarp-deploy',
  publications: [
    {
      code: 'adhd',
      name: 'ADHD Management Information',
      description: 'Referrals <and> waits for an ADHD assessment',
      periods: [
        { period: '2025-08', status: 'loaded', rows: 100, loadedAt: '2026-11-01T09:00:00Z' },
        { period: '2025-10', status: 'loaded', rows: 40, loadedAt: '2026-12-01T09:00:00Z' },
        { period: '2025-11', status: 'held', rows: 0 },
      ],
      drift: [
        {
          period: '2025-11',
          kind: 'held',
          at: '2026-12-02T10:00:00Z',
          changes: ['new column "Median wait (weeks)"'],
        },
      ],
      manifestText: 'publication: adhd\nname: ADHD Management Information\n',
      manifestPath: 'manifests/canonical/adhd/adhd_canonical.yaml',
      sources: [
        {
          key: 'referrals',
          title: 'Referrals by age group',
          description: 'Open referrals at month end',
          descriptionSource: 'llm',
          table: 'adhd.referrals',
          rows: 140,
          columns: [
            { name: 'age_group', title: 'Age group', type: 'string', role: 'dimension' },
            {
              name: 'open_referrals',
              title: 'Open referrals',
              type: 'integer',
              unit: 'count',
              role: 'measure',
              description: 'Referrals open on the last day of the month',
              descriptionSource: 'publisher',
            },
          ],
          periods: [
            { period: '2025-08', rows: 100 },
            { period: '2025-10', rows: 40 },
          ],
          sample: {
            columns: ['age_group', 'open_referrals'],
            rows: [
              ['0 to 17', '12'],
              ['18 to 24', null],
            ],
          },
          parquet: {
            folder: 'adhd/referrals',
            files: [
              { path: 'adhd/referrals/2025-09.parquet', bytes: 1024 },
              { path: 'adhd/referrals/2025-10.parquet', bytes: 1024 },
            ],
            bytes: 2048,
          },
          manifestText: '- key: referrals\n  table: referrals\n',
        },
      ],
    },
  ],
}

describe('the pages', () => {
  it('the index lists each publication with its cadence, latest period, sources and rows, linking by relative paths', () => {
    const html = renderIndex(MODEL)
    expect(html).toContain('<a href="adhd/index.html">ADHD Management Information</a>')
    expect(html).toContain('<a href="adhd/referrals.html">Referrals by age group</a>')
    expect(html).toContain('monthly')
    expect(html).toContain('2025-10')
    expect(html).toContain('>140<')
    expect(html).not.toMatch(/(href|src)="\//)
  })

  it('text from the database is escaped', () => {
    expect(renderPublication(MODEL, MODEL.publications[0]!)).toContain('Referrals &lt;and&gt; waits')
  })

  it('a source page has the table to query, each column with an anchor, samples, the download and the manifest', () => {
    const pub = MODEL.publications[0]!
    const html = renderSource(MODEL, pub, pub.sources[0]!, { parquetBase: '../exports/' })
    expect(html).toContain('FROM adhd.referrals')
    expect(html).toContain('WHERE _period = &#39;2025-10&#39;')
    expect(html).toContain('<tr id="col-open_referrals">')
    expect(html).toContain('Referrals open on the last day of the month')
    expect(html).toContain('<span class="null">NULL</span>')
    expect(html).toContain('href="../../exports/adhd/referrals/2025-09.parquet"')
    expect(html).toContain('href="../../exports/adhd/referrals/2025-10.parquet"')
    expect(html).toContain('2 files in <code>adhd/referrals/</code>, one per period (2.0 KB)')
    expect(html).toContain('- key: referrals')
  })

  it('a source page says where each description came from', () => {
    const pub = MODEL.publications[0]!
    const html = renderSource(MODEL, pub, pub.sources[0]!)
    expect(html).toContain('Open referrals at month end <span class="muted">(written by an LLM)</span></p>')
    expect(html).toContain(
      'Referrals open on the last day of the month <span class="muted">(from the publication)</span>',
    )
    // A column without a description says nothing of where one came from.
    expect(html.match(/class="muted">\(/g)).toHaveLength(2)
  })

  it('the drift history shows held periods and links to the review pull requests when the repository is known', () => {
    const html = renderPublication(MODEL, MODEL.publications[0]!)
    expect(html).toContain('new column &quot;Median wait (weeks)&quot;')
    expect(html).toContain(
      'https://github.com/nhs/datawarp-deploy/pulls?q=is%3Apr%20head%3Adatawarp%2Fmanifest%2Fadhd',
    )
    const fromExports = renderPublication(
      { ...MODEL, origin: 'exports' },
      { ...MODEL.publications[0]!, drift: undefined },
    )
    expect(fromExports).toContain('do not carry the load ledger')
  })
})

describe('the rows-per-period chart', () => {
  it('shows a period of the cadence with no rows as a gap, and a halved one as low', () => {
    const bars = periodSeries([
      { period: '2025-01', rows: 100 },
      { period: '2025-02', rows: 102 },
      { period: '2025-04', rows: 45 },
      { period: '2025-05', rows: 99 },
    ])
    expect(bars.map((b) => [b.period, b.rows, b.low])).toEqual([
      ['2025-01', 100, false],
      ['2025-02', 102, false],
      ['2025-03', null, false],
      ['2025-04', 45, true],
      ['2025-05', 99, false],
    ])
    expect(chartSummary(bars)).toBe(
      '4 periods from 2025-01 to 2025-05, at most 102 rows. No rows for 2025-03. Under half the usual rows: 2025-04.',
    )
  })

  it('names the cadence only when all periods share it', () => {
    expect(cadenceOf(['2024-Q1', '2024-Q3'])).toBe('quarterly')
    expect(cadenceOf(['FY2023-24'])).toBe('financial years')
    expect(cadenceOf(['2024-01', '2024'])).toBeUndefined()
  })
})

describe('the search', () => {
  const search = createSearch(buildSearchIndex(MODEL))

  it('finds publications, sources and columns by every word, publications first', () => {
    expect(search('referrals', 10).hits.map((h) => [h.kind, h.label])).toEqual([
      ['publication', 'ADHD Management Information'],
      ['source', 'Referrals by age group'],
      ['column', 'Open referrals'],
    ])
    const column = search('month end', 10).hits
    expect(column.map((h) => h.kind)).toEqual(['source'])
    expect(search('open count', 10).hits).toEqual([
      {
        kind: 'column',
        label: 'Open referrals',
        context: 'Referrals by age group · ADHD Management Information',
        href: 'adhd/referrals.html#col-open_referrals',
      },
    ])
  })

  it('says how many matched beyond the limit, and nothing for an empty query', () => {
    expect(search('referrals', 1)).toMatchObject({ total: 3, hits: [{ kind: 'publication' }] })
    expect(search('   ', 10)).toEqual({ hits: [], total: 0 })
  })

  it('the browser script is the same search, self-contained, and the index cannot close a script element', () => {
    const sandboxed = runInNewContext(`(${createSearch.toString()})`)
    expect(sandboxed(buildSearchIndex(MODEL))('open count', 5).total).toBe(1)
    expect(() => new Function(siteScript())).not.toThrow()
    const script = searchIndexScript(
      buildSearchIndex({ ...MODEL, publications: [{ ...MODEL.publications[0]!, name: '</script>' }] }),
    )
    expect(script).not.toContain('</script>')
  })
})

describe('writeSite', () => {
  it('writes every page, the assets and a marker, and links the Parquet files where they are', () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-site-'))
    const written = writeSite(MODEL, {
      outDir: join(root, 'data', 'site'),
      exportsDir: join(root, 'data', 'exports'),
    })
    expect(written.pages).toBe(3)
    for (const file of [
      'index.html',
      'adhd/index.html',
      'adhd/referrals.html',
      'assets/site.css',
      SITE_MARKER,
    ]) {
      expect(existsSync(join(root, 'data', 'site', file))).toBe(true)
    }
    expect(readFileSync(join(root, 'data', 'site', 'adhd', 'referrals.html'), 'utf8')).toContain(
      'href="../../exports/adhd/referrals/2025-10.parquet"',
    )
  })

  it('copies the Parquet files in when asked, and says which one is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-site-'))
    const exportsDir = join(root, 'exports')
    mkdirSync(exportsDir)
    mkdirSync(join(exportsDir, 'adhd', 'referrals'), { recursive: true })
    writeFileSync(join(exportsDir, 'adhd', 'referrals', '2025-09.parquet'), 'PAR1')
    expect(() => writeSite(MODEL, { outDir: join(root, 'site'), exportsDir, includeExports: true })).toThrow(
      /2025-10\.parquet is missing/,
    )
    writeFileSync(join(exportsDir, 'adhd', 'referrals', '2025-10.parquet'), 'PAR1')
    expect(() => writeSite(MODEL, { outDir: join(root, 'site'), exportsDir, includeExports: true })).toThrow(
      /catalog\.parquet is missing/,
    )
    writeFileSync(join(exportsDir, 'catalog.parquet'), 'PAR1')
    const written = writeSite(MODEL, { outDir: join(root, 'site'), exportsDir, includeExports: true })
    expect(written.exportsBytes).toBe(12)
    expect(readFileSync(join(root, 'site', 'exports', 'adhd', 'referrals', '2025-10.parquet'), 'utf8')).toBe(
      'PAR1',
    )
    expect(readFileSync(join(root, 'site', 'adhd', 'referrals.html'), 'utf8')).toContain(
      'href="../exports/adhd/referrals/2025-10.parquet"',
    )
  })

  it('replaces an earlier site, pages of removed sources included, but never a folder it did not write', () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-site-'))
    const outDir = join(root, 'site')
    writeSite(MODEL, { outDir, exportsDir: root })
    writeSite(
      { ...MODEL, publications: [{ ...MODEL.publications[0]!, sources: [] }] },
      { outDir, exportsDir: root },
    )
    expect(existsSync(join(outDir, 'adhd', 'referrals.html'))).toBe(false)
    const foreign = join(root, 'notes')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'keep.txt'), 'mine')
    expect(() => writeSite(MODEL, { outDir: foreign, exportsDir: root })).toThrow(/did not write/)
    expect(readFileSync(join(foreign, 'keep.txt'), 'utf8')).toBe('mine')
  })

  it('refuses a code or key that is not snake_case, so no page lands outside the site', () => {
    const root = mkdtempSync(join(tmpdir(), 'datawarp-site-'))
    const bad = { ...MODEL, publications: [{ ...MODEL.publications[0]!, code: '../escape' }] }
    expect(() => writeSite(bad, { outDir: join(root, 'site'), exportsDir: root })).toThrow(/not snake_case/)
    expect(existsSync(join(root, 'site'))).toBe(false)
  })
})

describe('building the model', () => {
  it('shows a plain table name when its quotes are not needed, and keeps them when they are', () => {
    expect(plainTable('"adhd"."referrals"')).toBe('adhd.referrals')
    expect(plainTable('"adhd"."Odd Name"')).toBe('"adhd"."Odd Name"')
  })

  it('takes a publication’s description from its canonical manifest, and nothing from a broken one', () => {
    expect(manifestDescription('publication: adhd\nname: ADHD\ndescription: Referrals and waits\n')).toBe(
      'Referrals and waits',
    )
    expect(manifestDescription('publication: adhd\n')).toBeUndefined()
    expect(manifestDescription(': : [')).toBeUndefined()
    expect(manifestDescription(null)).toBeUndefined()
  })
})
