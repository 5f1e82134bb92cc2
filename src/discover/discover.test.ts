import { describe, expect, it } from 'vitest'
import type { Publication } from '../model/config.js'
import type { Discovery, PeriodPlan } from '../model/discovery.js'
import { type Period, parsePeriod } from '../model/period.js'
import { renderTemplate, templateValues } from '../model/period-text.js'
import type { RunEvent } from '../observe/index.js'
import type { PageRead } from './discover.js'
import { type DiscoverDeps, discover, isSubPage } from './discover.js'

const DIGITAL = 'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd'
const NHSE = 'https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/'

function plan(period: string, due = true, template?: string, landing?: string): PeriodPlan {
  const url = template
    ? renderTemplate(template, templateValues(parsePeriod(period) as Period, landing))
    : undefined
  return { period, dueOn: '2026-01-01', due, line: 9, ...(url ? { url } : {}) }
}

function publication(discovery: Partial<Discovery> & { periods: PeriodPlan[] }): Publication {
  return {
    code: 'pub',
    name: 'Pub',
    canonicalManifest: 'm.yaml',
    contract: 'hold',
    urls: [],
    discovery: {
      patterns: ['*'],
      allowedHosts: ['digital.nhs.uk', 'files.digital.nhs.uk', 'www.england.nhs.uk'],
      line: 5,
      ...discovery,
    },
  } as Publication
}

/** Pages as a map of URL → HTML body; anything else is a 404. Records what was read and logged. */
function site(pages: Record<string, string>) {
  const read: string[] = []
  const events: RunEvent[] = []
  const deps: DiscoverDeps = {
    async readPage(url): Promise<PageRead> {
      read.push(url)
      const html = pages[url]
      if (html === undefined) return { status: 'missing', message: `GET ${url} returned 404 Not Found` }
      const { extractLinks } = await import('./links.js')
      return { status: 'ok', links: extractLinks(html, url) }
    },
    emit: (e) => events.push(e),
  }
  return { deps, read, events }
}

const a = (href: string, text = '') => `<a href="${href}">${text}</a>`

describe('discover: a url_template that renders one page per period (NHS Digital)', () => {
  const template = '{landing_page}/{month_name}-{year}'
  const pub = publication({
    landingPage: DIGITAL,
    urlTemplate: template,
    patterns: ['ADHD_*.csv'],
    periods: [
      plan('2025-08', true, template, DIGITAL),
      plan('2025-11', true, template, DIGITAL),
      plan('2026-02', false, template, DIGITAL),
    ],
  })

  it('takes the matching files of each due period page, and does not look for periods not yet due', async () => {
    const { deps, read, events } = site({
      [`${DIGITAL}/august-2025`]: a('https://files.digital.nhs.uk/02/1EB37E/ADHD_Aug25.csv', 'ADHD CSV'),
      [`${DIGITAL}/november-2025`]: [
        a('https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv', 'ADHD Management Information [CSV]'),
        a('https://files.digital.nhs.uk/4A/C95F1C/ADHD_summary_Nov25.xlsx', 'Summary'),
        a('https://files.digital.nhs.uk/02/1EB37E/ADHD_Aug25.csv', 'previous release'),
        a(`${DIGITAL}/november-2025/data-quality`, 'Data quality'),
        a('/data-and-information/other', 'elsewhere'),
      ].join('\n'),
      [`${DIGITAL}/november-2025/data-quality`]: a(
        'https://files.digital.nhs.uk/77/777777/ADHD_DQ.csv',
        'DQ',
      ),
    })
    const result = await discover(pub, deps)
    expect(result.sources.map((s) => [s.period, s.url, s.line, s.discovered?.page])).toEqual([
      ['2025-08', 'https://files.digital.nhs.uk/02/1EB37E/ADHD_Aug25.csv', 5, `${DIGITAL}/august-2025`],
      ['2025-11', 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv', 5, `${DIGITAL}/november-2025`],
      // Undated, on a sub-page of the November page: November's.
      [
        '2025-11',
        'https://files.digital.nhs.uk/77/777777/ADHD_DQ.csv',
        5,
        `${DIGITAL}/november-2025/data-quality`,
      ],
    ])
    expect(read).toEqual([
      `${DIGITAL}/august-2025`,
      `${DIGITAL}/november-2025`,
      `${DIGITAL}/november-2025/data-quality`,
    ])
    expect(result.periods.map((p) => [p.period, p.status])).toEqual([
      ['2025-08', 'found'],
      ['2025-11', 'found'],
      ['2026-02', 'not_due'],
    ])
    expect(result.warnings).toEqual([])
    // Every data link considered is in the event log at debug level, with its decision and why.
    const considered = events.filter((e) => e.event === 'discover.candidate')
    expect(considered.every((e) => e.level === 'debug')).toBe(true)
    expect(considered.map((e) => [e.file, e.decision])).toEqual(
      expect.arrayContaining([
        ['ADHD_summary_Nov25.xlsx', 'rejected'],
        ['ADHD_Nov25.csv', 'chosen'],
        ['ADHD_DQ.csv', 'chosen'],
      ]),
    )
  })

  it('warns about a due period whose page is not there, and carries on', async () => {
    const { deps, events } = site({
      [`${DIGITAL}/november-2025`]: a('https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv'),
    })
    const result = await discover(pub, deps)
    expect(result.sources.map((s) => s.period)).toEqual(['2025-11'])
    expect(result.warnings).toEqual([
      `2025-08: its page ${DIGITAL}/august-2025 is not there (404) (due since 2026-01-01)`,
    ])
    expect(result.error).toBeUndefined()
    expect(events.find((e) => e.event === 'discover.missing')?.level).toBe('warn')
  })

  it('fails the periods of a page that cannot be read for another reason', async () => {
    const { deps } = site({})
    const failing: DiscoverDeps = {
      ...deps,
      readPage: async () => {
        throw new Error('GET x failed after 4 attempts; last: returned 503 Service Unavailable')
      },
    }
    const result = await discover(pub, failing)
    expect(result.periods.map((p) => p.status)).toEqual(['failed', 'failed', 'not_due'])
    expect(result.error).toBe('GET x failed after 4 attempts; last: returned 503 Service Unavailable')
  })

  it('looks only at the periods asked for', async () => {
    const { deps, read } = site({})
    await discover(pub, { ...deps, only: ['2025-11'] })
    expect(read).toEqual([`${DIGITAL}/november-2025`])
  })
})

describe('discover: a landing page with sub-pages', () => {
  it('finds NHS England files on year sub-pages by the dates in their names and link texts', async () => {
    const pub = publication({
      landingPage: NHSE,
      patterns: ['*AE*'],
      allowedHosts: ['www.england.nhs.uk'],
      periods: [plan('2025-10'), plan('2025-11'), plan('2025-12')],
    })
    const uploads = 'https://www.england.nhs.uk/statistics/wp-content/uploads/sites/2'
    const { deps, read } = site({
      [NHSE]: [
        a(
          `${NHSE}ae-attendances-and-emergency-admissions-2025-26/`,
          'A&E Attendances and Emergency Admissions 2025-26',
        ),
        a(`${NHSE}ae-attendances-and-emergency-admissions-2024-25/`, '2024-25'),
        a('https://www.england.nhs.uk/statistics/', 'Statistics home (not below the landing page)'),
      ].join('\n'),
      [`${NHSE}ae-attendances-and-emergency-admissions-2025-26/`]: [
        a(`${uploads}/2025/12/Monthly-AE-November-2025.csv`, 'Monthly A&E November 2025 (CSV, 12KB)'),
        a(`${uploads}/2025/12/AE-by-provider-9Ia4R.xls`, 'A&E by provider November 2025 (XLS, 170KB)'),
        a(`${uploads}/2025/11/Monthly-AE-October-2025.csv`, 'Monthly A&E October 2025 (CSV, 12KB)'),
        a(`${uploads}/2026/01/Monthly-AE-October-2025-revised.csv`, 'Monthly A&E October 2025 revised (CSV)'),
        a('https://other.example/Monthly-AE-November-2025.csv', 'Mirror'),
      ].join('\n'),
      [`${NHSE}ae-attendances-and-emergency-admissions-2024-25/`]: a(
        `${uploads}/2025/04/Monthly-AE-March-2025.csv`,
      ),
    })
    const result = await discover(pub, deps)
    expect(read).toEqual([
      NHSE,
      `${NHSE}ae-attendances-and-emergency-admissions-2025-26/`,
      `${NHSE}ae-attendances-and-emergency-admissions-2024-25/`,
    ])
    expect(result.sources.map((s) => [s.period, s.url.replace(uploads, '')])).toEqual([
      ['2025-10', '/2026/01/Monthly-AE-October-2025-revised.csv'],
      ['2025-11', '/2025/12/Monthly-AE-November-2025.csv'],
      ['2025-11', '/2025/12/AE-by-provider-9Ia4R.xls'],
    ])
    expect(result.warnings).toEqual(['2025-12: no file of this period was found (due since 2026-01-01)'])
  })

  it('takes an NHS Digital landing page’s period sub-pages as the pages of their periods', async () => {
    const pub = publication({
      landingPage: DIGITAL,
      patterns: ['gp-reg-pat-prac-*.zip'],
      periods: [plan('2025-10'), plan('2025-11')],
    })
    const { deps } = site({
      [DIGITAL]: [
        a(`${DIGITAL}/november-2025`, 'November 2025'),
        a(`${DIGITAL}/october-2025`, 'October 2025'),
      ].join(''),
      [`${DIGITAL}/november-2025`]: a(
        'https://files.digital.nhs.uk/1F/80EABA/gp-reg-pat-prac-all.zip',
        'Totals',
      ),
      [`${DIGITAL}/october-2025`]: a(
        'https://files.digital.nhs.uk/40/58F467/gp-reg-pat-prac-all.zip',
        'Totals',
      ),
    })
    const result = await discover(pub, deps)
    expect(result.sources.map((s) => [s.period, s.url])).toEqual([
      ['2025-10', 'https://files.digital.nhs.uk/40/58F467/gp-reg-pat-prac-all.zip'],
      ['2025-11', 'https://files.digital.nhs.uk/1F/80EABA/gp-reg-pat-prac-all.zip'],
    ])
  })
})

describe('discover: a url_template that renders the file itself', () => {
  it('asks whether each due file exists, and reports the missing ones as warnings', async () => {
    const template = 'https://files.example.org/data/report-{year}-{month}.csv'
    const pub = publication({
      urlTemplate: template,
      allowedHosts: ['files.example.org'],
      periods: [plan('2025-10', true, template), plan('2025-11', true, template)],
    })
    const probed: string[] = []
    const result = await discover(pub, {
      ...site({}).deps,
      probeFile: async (url) => {
        probed.push(url)
        return url.endsWith('2025-11.csv') ? 'exists' : 'missing'
      },
    })
    expect(probed).toEqual([
      'https://files.example.org/data/report-2025-10.csv',
      'https://files.example.org/data/report-2025-11.csv',
    ])
    expect(result.sources.map((s) => [s.period, s.url])).toEqual([
      ['2025-11', 'https://files.example.org/data/report-2025-11.csv'],
    ])
    expect(result.warnings).toEqual([
      '2025-10: https://files.example.org/data/report-2025-10.csv is not there (404) (due since 2026-01-01)',
    ])
  })
})

describe('isSubPage', () => {
  it('is a same-site page below the page’s path', () => {
    expect(isSubPage(`${DIGITAL}/november-2025`, DIGITAL)).toBe(true)
    expect(isSubPage(`${NHSE}ae-2025-26/`, NHSE)).toBe(true)
    expect(isSubPage(NHSE, NHSE)).toBe(false)
    expect(
      isSubPage(
        'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd-other',
        DIGITAL,
      ),
    ).toBe(false)
    expect(
      isSubPage(`http://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd/x`, DIGITAL),
    ).toBe(false)
  })
})
