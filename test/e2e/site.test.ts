import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { displayTitle } from '../../src/model/header-text.js'
import {
  axeViolations,
  type Browser,
  collectErrors,
  computedStyle,
  HAS_CHROMIUM,
  linkedUrls,
  openBrowser,
  StaticServer,
} from '../support/browser.js'
import { ensureBuilt, REPO, runCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv, writeWorkbook } from '../support/fixtures.js'
import { dropReaderRoleIn } from '../support/loaded-project.js'

/**
 * The catalog site end to end: publications loaded into a real PostgreSQL by `datawarp run`, the site written
 * by `datawarp site`, opened in headless Chromium from disk and from a server under a sub-path. What the pages
 * say is checked against the database, not against what the site code meant to write.
 */
const CORPUS = new URL('../../../shared/corpus', import.meta.url).pathname
const SHOTS = join(REPO, 'test-results', 'site')

interface SourceFacts {
  publication: string
  publicationName: string
  key: string
  table: string
  title: string | null
  description: string | null
  fields: { name: string; title: string; description?: string }[]
  rows: number
  /** Its Parquet files: one per period (one with no rows for a source without rows). */
  parquetFiles: number
}

/** Every source the database holds, with its row count counted from its table. */
async function databaseFacts(url: string): Promise<SourceFacts[]> {
  const sources = await query<{
    publication: string
    publication_name: string
    source_key: string
    table_schema: string
    table_name: string
    title: string | null
    description: string | null
    fields: SourceFacts['fields']
  }>(url, 'SELECT * FROM datawarp.sources ORDER BY publication, source_key')
  const facts: SourceFacts[] = []
  for (const s of sources) {
    const [count] = await query<{ n: string; periods: string }>(
      url,
      `SELECT count(*)::text AS n, count(DISTINCT _period)::text AS periods FROM "${s.table_schema}"."${s.table_name}"`,
    )
    facts.push({
      publication: s.publication,
      publicationName: s.publication_name,
      key: s.source_key,
      table: `${s.table_schema}.${s.table_name}`,
      title: s.title,
      description: s.description,
      fields: s.fields,
      rows: Number(count!.n),
      parquetFiles: Math.max(1, Number(count!.periods)),
    })
  }
  return facts
}

const count = (n: number) => n.toLocaleString('en-GB')
const collapse = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim()

async function serious(page: Page): Promise<string[]> {
  const violations = await axeViolations(page)
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.slice(0, 3).join(', ')}`)
}

interface Project {
  root: string
  db: { url: string; drop: () => Promise<void> }
  /** Writes the config and runs `datawarp run`. */
  run(config: string): Promise<void>
  site(...args: string[]): Promise<string>
  stop(): Promise<void>
}

/** A project on a fresh database; `site()` runs `datawarp site` and returns its output. */
async function project(prefix: string): Promise<Project> {
  const root = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(root, 0o755)
  mkdirSync(join(root, 'config'))
  const db = await createTestDatabase()
  return {
    root,
    db,
    async run(config) {
      writeFileSync(join(root, 'config', 'publications.yaml'), config)
      const run = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(run.code, run.stderr + run.stdout.slice(0, 3000)).toBe(0)
    },
    async site(...args) {
      const result = await runCli(['site', ...args], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(result.code, result.stderr).toBe(0)
      return result.stdout
    },
    async stop() {
      await dropReaderRoleIn(db.url)
      await db.drop()
    },
  }
}

/** A project loaded by `datawarp run`, its site written, and a browser to read it; each suite starts one. */
class SiteUnderTest {
  files!: FileServer
  p!: Project
  browser!: Browser
  facts: SourceFacts[] = []
  siteDir = ''

  /** Serves `served` over HTTP, loads what `load` asks for, writes the site with `siteArgs`; returns its output. */
  async start(
    prefix: string,
    served: string,
    load: (p: Project, files: FileServer) => Promise<void>,
    ...siteArgs: string[]
  ): Promise<string> {
    ensureBuilt()
    mkdirSync(SHOTS, { recursive: true })
    this.files = await new FileServer(served).start()
    this.p = await project(prefix)
    await load(this.p, this.files)
    this.facts = await databaseFacts(this.p.db.url)
    const stdout = await this.p.site(...siteArgs)
    this.siteDir = join(this.p.root, 'data', 'site')
    this.browser = await openBrowser()
    return stdout
  }

  async stop(): Promise<void> {
    await this.browser?.close()
    await this.files?.stop()
    await this.p?.stop()
  }

  /** Opens a page as a reader would, collecting its errors; a screenshot when named. */
  async open(url: string, shot?: string, viewport = { width: 1280, height: 900 }) {
    const page = await this.browser.context.newPage()
    await page.setViewportSize(viewport)
    const errors = collectErrors(page)
    await page.goto(url)
    await page.waitForLoadState('load')
    if (shot) await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true })
    return { page, errors }
  }
}

describe.skipIf(!HAS_CHROMIUM)('datawarp site: a generated publication, in a real browser', () => {
  const t = new SiteUnderTest()

  beforeAll(async () => {
    const served = mkdtempSync(join(tmpdir(), 'datawarp-site-files-'))
    // Practices: January, February and April; no March release; April lists half the practices.
    writeCsv(join(served, 'practices-jan-2024.csv'), PRACTICE_HEADER, practiceRows(400, 1))
    writeCsv(join(served, 'practices-feb-2024.csv'), PRACTICE_HEADER, practiceRows(410, 3))
    writeCsv(join(served, 'practices-apr-2024.csv'), PRACTICE_HEADER, practiceRows(180, 5))
    const workforce = (name: string, extra: boolean) =>
      writeWorkbook(join(served, name), [
        {
          name: 'Table 1',
          titleRows: ['Table 1: Staff by region', 'England, experimental statistics'],
          header: ['Region', 'Staff group', 'Headcount', 'FTE [1]', ...(extra ? ['Vacancies'] : [])],
          rows: Array.from({ length: 21 }, (_, i) => [
            `Region ${i % 7}`,
            `Group ${i}`,
            i * 3,
            i * 2.5,
            ...(extra ? [i] : []),
          ]),
          footnotes: ['Source: NHS England workforce return', '1. FTE is full-time equivalent'],
        },
      ])
    await workforce('Workforce January 2024.xlsx', false)
    await workforce('Workforce February 2024.xlsx', true)
    const stdout = await t.start(
      'datawarp-site-',
      served,
      async (p, files) => {
        const workbook = (period: string) =>
          files.fileUrl(`Workforce ${period === '2024-01' ? 'January' : 'February'} 2024.xlsx`)
        const config = (contract: string, periods: string[]) => `settings: { site: { publish: true } }
publications:
  gp_practices:
    name: GP Practice List Sizes
    description: Patients registered at each GP practice
    contract: evolve
    urls:
      - { period: 2024-01, url: "${files.fileUrl('practices-jan-2024.csv')}" }
      - { period: 2024-02, url: "${files.fileUrl('practices-feb-2024.csv')}" }
      - { period: 2024-04, url: "${files.fileUrl('practices-apr-2024.csv')}" }
  workforce:
    name: Workforce Summary
    contract: ${contract}
    urls:
${periods.map((period) => `      - { period: ${period}, url: "${workbook(period)}" }`).join('\n')}
`
        // The workforce manifest is made by its first period; February's new column is then held for review.
        await p.run(config('evolve', ['2024-01']))
        await p.run(config('hold', ['2024-01', '2024-02']))
      },
      '--repository',
      'nhs-example/datawarp-deploy',
    )
    expect(t.facts.map((f) => f.publication)).toEqual(['gp_practices', 'workforce'])
    expect(stdout).toMatch(
      new RegExp(`^site: data/site/index\\.html \\(${1 + 2 + t.facts.length} pages, \\d+ KB\\)`),
    )
  })

  afterAll(() => t.stop())

  it('the index, opened from disk, lists each publication and source with the rows the database holds', async () => {
    const { page, errors } = await t.open(`file://${t.siteDir}/index.html`, 'index')
    const text = collapse(await page.locator('main').textContent())
    for (const pub of new Set(t.facts.map((f) => f.publicationName))) {
      const rows = t.facts.filter((f) => f.publicationName === pub).reduce((n, f) => n + f.rows, 0)
      const row = page.locator('tbody tr', { hasText: pub })
      expect(collapse(await row.textContent())).toContain(count(rows))
    }
    expect(text).toContain('monthly')
    expect(text).toContain('Patients registered at each GP practice')
    expect(
      collapse(await page.locator('tbody tr', { hasText: 'Workforce Summary' }).textContent()),
    ).toContain('2024-02 held')
    for (const f of t.facts) expect(text).toContain(f.title ?? f.key)
    // The stylesheet applied: the header has its colour.
    expect(await computedStyle(page.locator('header.top'), 'backgroundColor')).toBe('rgb(0, 94, 184)')
    expect(errors).toEqual([])
    expect(await serious(page)).toEqual([])
  })

  it('a column’s description is three clicks from the index: publication, source, column', async () => {
    const practices = t.facts.find((f) => f.publication === 'gp_practices')!
    const column = practices.fields.find((f) => f.name === 'registered_patients')!
    const { page, errors } = await t.open(`file://${t.siteDir}/index.html`)
    await page.getByRole('link', { name: practices.publicationName }).first().click()
    await page
      .getByRole('link', { name: practices.title ?? practices.key })
      .first()
      .click()
    await page.getByRole('link', { name: column.name, exact: true }).click()
    expect(page.url()).toMatch(/gp_practices\/\w+\.html#col-registered_patients$/)
    const row = page.locator('#col-registered_patients')
    expect(collapse(await row.textContent())).toContain(column.title)
    expect(errors).toEqual([])
  })

  it('a source page shows the table, columns with descriptions, rows per period with the gap, samples and the download', async () => {
    const practices = t.facts.find((f) => f.publication === 'gp_practices')!
    const { page, errors } = await t.open(`file://${t.siteDir}/gp_practices/${practices.key}.html`, 'source')
    const text = collapse(await page.locator('main').textContent())
    expect(text).toContain(practices.table)
    expect(text).toContain(count(practices.rows))
    if (practices.description) expect(text).toContain(collapse(practices.description))
    for (const field of practices.fields) {
      const row = collapse(await page.locator(`#col-${field.name}`).textContent())
      expect(row).toContain(field.title)
      if (field.description) expect(row).toContain(collapse(field.description))
    }
    const caption = await page.locator('#source-chart-summary').textContent()
    expect(caption).toContain('3 periods from 2024-01 to 2024-04')
    expect(caption).toContain('No rows for 2024-03')
    expect(caption).toContain('Under half the usual rows: 2024-04')
    const periods = await query<{ period: string; n: string }>(
      t.p.db.url,
      `SELECT _period AS period, count(*)::text AS n FROM ${practices.table} GROUP BY 1 ORDER BY 1`,
    )
    await page.getByText('Rows per period as a table').click()
    for (const { period, n } of periods) {
      expect(collapse(await page.locator('tr', { hasText: period }).first().textContent())).toContain(
        count(Number(n)),
      )
    }
    expect(await page.locator('table.sample tbody tr').count()).toBe(3)
    const folded = page.locator('details.parquet-files summary')
    if ((await folded.count()) > 0) await folded.click()
    const download = page
      .getByRole('link', { name: new RegExp(`^gp_practices/${practices.key}/[^/]+\\.parquet$`) })
      .first()
    const href = await download.getAttribute('href')
    expect(href).toMatch(new RegExp(`^\\.\\./\\.\\./exports/gp_practices/${practices.key}/[^/]+\\.parquet$`))
    expect(existsSync(join(t.siteDir, 'gp_practices', href!))).toBe(true)
    await page.getByText(`The source ${practices.key} in the canonical manifest`).click()
    expect(await page.locator('details.manifest pre').textContent()).toContain(`key: ${practices.key}`)
    expect(errors).toEqual([])
    expect(await serious(page)).toEqual([])
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: join(SHOTS, 'source-phone.png'), fullPage: true })
  })

  it('a publication page shows its periods with the held one, the drift history with review links, and its manifest', async () => {
    const { page, errors } = await t.open(`file://${t.siteDir}/workforce/index.html`, 'publication')
    const text = collapse(await page.locator('main').textContent())
    const [held] = await query<{ period: string; reason: string }>(
      t.p.db.url,
      `SELECT period, reason FROM datawarp.loads WHERE publication = 'workforce' AND status = 'held'`,
    )
    expect(held?.period).toBe('2024-02')
    expect(collapse(await page.locator('tr', { hasText: '2024-02' }).first().textContent())).toContain('held')
    const drift = collapse(await page.locator('.drift').textContent())
    expect(drift).toContain('2024-02 held')
    expect(drift).toMatch(/vacancies/i)
    expect(
      await page
        .getByRole('link', { name: 'Review pull requests of workforce on GitHub' })
        .getAttribute('href'),
    ).toBe(
      'https://github.com/nhs-example/datawarp-deploy/pulls?q=is%3Apr%20head%3Adatawarp%2Fmanifest%2Fworkforce',
    )
    const manifest = readFileSync(
      join(t.p.root, 'manifests/canonical/workforce/workforce_canonical.yaml'),
      'utf8',
    )
    expect(await page.locator('details.manifest pre').textContent()).toBe(manifest)
    expect(text).toContain('Workforce Summary')
    expect(errors).toEqual([])
    expect(await serious(page)).toEqual([])
  })

  it('the search filters publications, sources and columns as one types, and says when nothing matches', async () => {
    const { page, errors } = await t.open(`file://${t.siteDir}/workforce/index.html`)
    const results = page.locator('#search-results')
    expect(await results.isHidden()).toBe(true)
    await page.locator('#q').fill('registered patients')
    expect(await results.isVisible()).toBe(true)
    const hits = await page.locator('#search-list li').allInnerTexts()
    expect(hits.length).toBeGreaterThan(0)
    expect(hits.every((h) => /registered patients/i.test(h) || /gp practice/i.test(h))).toBe(true)
    expect(hits.some((h) => /^column/i.test(h) && /Registered Patients/i.test(h))).toBe(true)
    expect(await page.locator('#search-count').textContent()).toMatch(/^\d+ match(es)?\.$/)
    await page.screenshot({ path: join(SHOTS, 'search.png'), fullPage: true })
    await page.locator('#search-list a').first().click()
    expect(page.url()).toContain('/gp_practices/')
    await page.locator('#q').fill('zzzz-not-there')
    expect(await page.locator('#search-count').textContent()).toBe('Nothing matches “zzzz-not-there”.')
    await page.locator('#q').fill('')
    expect(await page.locator('#search-results').isHidden()).toBe(true)
    expect(errors).toEqual([])
    expect(await serious(page)).toEqual([])
  })

  it('served from a sub-path with its exports included, every link and asset resolves', async () => {
    const stdout = await t.p.site('--out', 'public', '--include-exports')
    expect(stdout).toMatch(/with \d+ KB of Parquet exports/)
    const server = await new StaticServer(join(t.p.root, 'public'), '/datawarp-deploy/').start()
    try {
      const seen = new Set<string>()
      const queue = [`${server.url}index.html`]
      const { page, errors } = await t.open(queue[0]!)
      while (queue.length > 0) {
        const url = queue.shift()!
        if (seen.has(url)) continue
        seen.add(url)
        const response = await page.goto(url)
        expect(response?.status(), url).toBe(200)
        const links = await linkedUrls(page)
        for (const link of links) {
          const target = link.split('#')[0]!.split('?')[0]!
          if (!target.startsWith(server.url)) continue
          if (target.endsWith('.html')) queue.push(target)
          else if (!seen.has(target)) {
            seen.add(target)
            expect((await page.request.get(target)).status(), target).toBe(200)
          }
        }
      }
      expect([...seen].filter((u) => u.endsWith('.parquet'))).toHaveLength(
        t.facts.reduce((sum, f) => sum + f.parquetFiles, 0),
      )
      expect([...seen].filter((u) => u.endsWith('.html'))).toHaveLength(2 + 1 + t.facts.length)
      expect(errors).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it('with --exports, built from the Parquet exports alone: the same sources, rows and columns, no ledger history', async () => {
    const stdout = await t.p.site('--exports', '--out', 'from-exports')
    expect(stdout).toContain('from-exports/index.html')
    const dir = join(t.p.root, 'from-exports')
    const practices = t.facts.find((f) => f.publication === 'gp_practices')!
    const { page, errors } = await t.open(`file://${dir}/gp_practices/${practices.key}.html`)
    const text = collapse(await page.locator('main').textContent())
    expect(text).toContain(count(practices.rows))
    for (const field of practices.fields) {
      expect(collapse(await page.locator(`#col-${field.name}`).textContent())).toContain(field.title)
    }
    expect(await page.locator('table.sample tbody tr').count()).toBe(3)
    expect(collapse(await page.locator('footer').textContent())).toContain(
      'from the Parquet exports and catalog',
    )
    await page.goto(`file://${dir}/workforce/index.html`)
    expect(collapse(await page.locator('main').textContent())).toContain('do not carry the load ledger')
    expect(errors).toEqual([])
    expect(await serious(page)).toEqual([])
  })

  it('with --pages it writes only when settings.site.publish says so', async () => {
    const config = join(t.p.root, 'config', 'publications.yaml')
    writeFileSync(config, readFileSync(config, 'utf8').replace('publish: true', 'publish: false'))
    const stdout = await t.p.site('--pages', '--out', 'pages-site')
    expect(stdout).toContain('settings.site.publish is false')
    expect(existsSync(join(t.p.root, 'pages-site'))).toBe(false)
  })
})

/** Real NHS files: a workbook publication and a CSV one, periods as published. */
describe.skipIf(!HAS_CHROMIUM || !existsSync(CORPUS))(
  'datawarp site: real NHS files, in a real browser',
  () => {
    const t = new SiteUnderTest()

    beforeAll(async () => {
      const oc =
        'gp_online_consultation_submissions/Submissions via Online Consultation Systems in General Practice'
      const pcn = 'pcn_workforce/Primary Care Networks –'
      await t.start('datawarp-site-corpus-', CORPUS, async (p, files) => {
        const url = (path: string) => `${files.url}/${path.split('/').map(encodeURIComponent).join('/')}`
        await p.run(
          `publications:
  online_consultation:
    name: Submissions via Online Consultation Systems in General Practice
    contract: evolve
    urls:
      - { period: 2024-04, url: "${url(`${oc} - April 2024.xlsx`)}" }
      - { period: 2024-05, url: "${url(`${oc} - May 2024.xlsx`)}" }
  pcn_workforce:
    name: Primary Care Network Workforce
    contract: evolve
    urls:
      - { period: 2020-03, url: "${url(`${pcn} March 2020 Individual Level.csv`)}" }
      - { period: 2020-06, url: "${url(`${pcn} June 2020 Individual Level.csv`)}" }
      - { period: 2020-09, url: "${url(`${pcn} September 2020 Individual Level.csv`)}" }
`,
        )
      })
    }, 300_000)

    afterAll(() => t.stop())

    it('the index and every source page show what the database holds, with no errors and no serious violations', async () => {
      const index = await t.open(`file://${t.siteDir}/index.html`, 'corpus-index')
      const text = collapse(await index.page.locator('main').textContent())
      for (const f of t.facts) {
        expect(text).toContain(f.publicationName)
        expect(text).toContain(f.title ?? f.key)
      }
      expect(await serious(index.page)).toEqual([])
      for (const f of t.facts) {
        const { page, errors } = await t.open(
          `file://${t.siteDir}/${f.publication}/${f.key}.html`,
          f === t.facts[0] ? 'corpus-source' : undefined,
        )
        const main = collapse(await page.locator('main').textContent())
        expect(main).toContain(f.table)
        expect(main).toContain(count(f.rows))
        for (const field of f.fields) {
          const row = collapse(await page.locator(`[id="col-${field.name}"]`).textContent())
          // The title readers see: the header as published, or a machine name such as Data_source in sentence case.
          expect(row).toContain(collapse(displayTitle(field.title)))
          if (field.description) expect(row).toContain(collapse(field.description))
        }
        expect(errors).toEqual([])
        expect(await serious(page)).toEqual([])
        await page.close()
      }
      expect(index.errors).toEqual([])
    })

    it('the PCN workforce chart shows the months between the quarterly files as gaps', async () => {
      const { page } = await t.open(`file://${t.siteDir}/pcn_workforce/index.html`, 'corpus-publication')
      const caption = await page.locator('#pub-chart-summary').textContent()
      expect(caption).toContain('3 periods from 2020-03 to 2020-09')
      expect(caption).toContain('No rows for 2020-04, 2020-05, 2020-07, 2020-08')
    })

    it('the whole site for these publications is small: a few hundred KB', async () => {
      const written = JSON.parse(
        (
          await runCli(['site', '--json', '--out', 'sized'], {
            cwd: t.p.root,
            env: { DATABASE_URL: t.p.db.url },
          })
        ).stdout,
      ) as { siteBytes: number }
      expect(written.siteBytes).toBeLessThan(600 * 1024)
    })
  },
)
