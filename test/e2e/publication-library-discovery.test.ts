import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { ensureBuilt, REPO, runCli } from '../support/cli.js'
import { createTestDatabase } from '../support/database.js'
import { page, SiteServer } from '../support/site-server.js'

/**
 * The shipped discovery rules (landing page, url_template, discover) of the publication library, on a local
 * copy of the publishers' pages: each publication's entry as shipped, its hosts mapped to the local site and its
 * schedule narrowed to one period. Each page also links the files a rule must not take (the other files of the
 * release). `datawarp plan` must choose exactly the publisher's file of that period.
 */
const SHIPPED = parse(readFileSync(join(REPO, 'config', 'publications.yaml'), 'utf8')) as {
  publications: Record<string, Record<string, unknown>>
}

const DIGITAL = '/data-and-information/publications/statistical'
const UPLOADS = '/statistics/wp-content/uploads/sites/2'

interface Case {
  period: string
  /** Pages as [path, links as [href, text]]. */
  pages: [string, [string, string][]][]
  /** The file the rule must choose (a path on the site). */
  chosen: string
}

const CASES: Record<string, Case> = {
  online_consultation: {
    period: '2025-12',
    pages: [
      [
        `${DIGITAL}/submissions-via-online-consultation-systems-in-general-practice/december-2025`,
        [
          [
            '/f/01/Submissions%20via%20OC%20Systems%20in%20General%20Practice%20-%20December%202025.xlsx',
            'Summary',
          ],
          [
            '/f/02/Submissions%20via%20OC%20Systems%20in%20General%20Practice%20-%20December%202025.zip',
            'CSV',
          ],
          ['/f/03/Submissions%20via%20OC%20Systems%20By%20Day%20and%20Time-%20December%202025.zip', 'By day'],
        ],
      ],
    ],
    chosen: '/f/01/Submissions%20via%20OC%20Systems%20in%20General%20Practice%20-%20December%202025.xlsx',
  },
  cloud_based_telephony: {
    period: '2025-12',
    pages: [
      [
        `${DIGITAL}/cloud-based-telephony-data-in-general-practice/december-2025`,
        [
          ['/f/04/Cloud%20Based%20Telephony%20Publication%20Summary%20December%202025.xlsx', 'Summary'],
          ['/f/05/Cloud%20Based%20Telephony%20Publication%20Summary%20December%202025_v2.xlsx', 'Revised'],
          ['/f/06/Cloud%20Based%20Telephony%20Practice%20Level%20December%202025.csv', 'Practice CSV'],
        ],
      ],
    ],
    chosen: '/f/05/Cloud%20Based%20Telephony%20Publication%20Summary%20December%202025_v2.xlsx',
  },
  pcn_workforce: {
    period: '2025-12',
    pages: [
      [
        `${DIGITAL}/primary-care-network-workforce/31-december-2025`,
        [
          ['/f/07/PCNWFIndividualCSV.122025.zip', 'Individual level CSV'],
          ['/f/08/PCNW%20December%202025%20-%20Bulletin%20tables.xlsx', 'Bulletin tables'],
        ],
      ],
    ],
    chosen: '/f/07/PCNWFIndividualCSV.122025.zip',
  },
  gp_practice_patients: {
    period: '2026-01',
    pages: [
      [
        `${DIGITAL}/patients-registered-at-a-gp-practice/january-2026`,
        [
          ['/f/09/gp-reg-pat-prac-all.zip', 'Patients registered at a GP practice'],
          ['/f/10/gp-reg-pat-prac-map.zip', 'Mapping'],
          ['/f/11/gp-reg-pat-prac-quin-age.zip', 'Five-year age groups'],
        ],
      ],
    ],
    chosen: '/f/09/gp-reg-pat-prac-all.zip',
  },
  gp_practice_mapping: {
    period: '2026-01',
    pages: [],
    chosen: '/f/10/gp-reg-pat-prac-map.zip',
  },
  nhs_payments_gp: {
    period: 'FY2024-25',
    pages: [
      [
        `${DIGITAL}/nhs-payments-to-general-practice/england-2024-25`,
        [
          ['/f/12/nhspaymentsgp-24-25-prac-csv.csv', 'Practice level'],
          ['/f/13/nhspaymentsgp-24-25-pcn-csv.csv', 'PCN level'],
        ],
      ],
    ],
    chosen: '/f/12/nhspaymentsgp-24-25-prac-csv.csv',
  },
  gp_appointments_coverage: {
    period: '2025-12',
    pages: [
      [
        `${DIGITAL}/appointments-in-general-practice/december-2025`,
        [
          ['/f/14/Appointments_GP_Daily_CSV_Dec_25.zip', 'Daily'],
          ['/f/15/Appointments_GP_Regional_CSV_Dec_25.zip', 'Regional'],
        ],
      ],
    ],
    chosen: '/f/14/Appointments_GP_Daily_CSV_Dec_25.zip',
  },
  rtt_overview: {
    period: '2026-01',
    pages: [
      [
        '/statistics/statistical-work-areas/rtt-waiting-times/rtt-data-2025-26/',
        [
          [
            `${UPLOADS}/2026/03/RTT-Overview-Timeseries-Including-Estimates-for-Missing-Trusts-Jan26-XLS-115K-Ab3xQ.xlsx`,
            'RTT Overview Timeseries Including Estimates for Missing Trusts Jan26 (XLS, 115K)',
          ],
          [
            `${UPLOADS}/2026/02/RTT-Overview-Timeseries-Including-Estimates-for-Missing-Trusts-Dec25-XLS-115K-6jPlxd.xlsx`,
            'RTT Overview Timeseries Dec25',
          ],
          [`${UPLOADS}/2026/03/Full-CSV-data-file-Jan26-ZIP-3M-1a2B3.zip`, 'Full CSV data file Jan26'],
        ],
      ],
    ],
    chosen: `${UPLOADS}/2026/03/RTT-Overview-Timeseries-Including-Estimates-for-Missing-Trusts-Jan26-XLS-115K-Ab3xQ.xlsx`,
  },
  discharge_sitrep_acute: {
    period: '2025-01',
    pages: [
      [
        '/statistics/statistical-work-areas/discharge-delays/acute-discharge-situation-report/',
        [
          [`${UPLOADS}/2025/02/Daily-discharge-sitrep-monthly-data-webfile-January2025.xlsx`, 'January 2025'],
          [
            `${UPLOADS}/2025/02/Daily-discharge-sitrep-timeseries-data-webfile-April2021-January2025.xlsx`,
            'Series',
          ],
        ],
      ],
    ],
    chosen: `${UPLOADS}/2025/02/Daily-discharge-sitrep-monthly-data-webfile-January2025.xlsx`,
  },
  discharge_sitrep_community: {
    period: '2025-01',
    pages: [
      [
        '/statistics/statistical-work-areas/discharge-delays/',
        [['/statistics/statistical-work-areas/discharge-delays/community-discharge-sitrep/', 'Community']],
      ],
      [
        '/statistics/statistical-work-areas/discharge-delays/community-discharge-sitrep/',
        [
          [
            `${UPLOADS}/2025/02/Community-discharge-sitrep-monthly-data-webfile-January2025.xlsx`,
            'January 2025',
          ],
        ],
      ],
    ],
    chosen: `${UPLOADS}/2025/02/Community-discharge-sitrep-monthly-data-webfile-January2025.xlsx`,
  },
  qof_prevalence: {
    period: 'FY2025-26',
    pages: [
      [
        `${DIGITAL}/quality-and-outcomes-framework-achievement-prevalence-and-exceptions-data/2025-26`,
        [
          ['/f/16/QOF2526.zip', 'QOF 2025-26 raw data (CSV)'],
          ['/f/17/qof-2526-prac-dom-ach.xlsx', 'Practice level achievement'],
        ],
      ],
    ],
    chosen: '/f/16/QOF2526.zip',
  },
  // The period is read from "JunPerf_2024": the May revision linked on June's page is not June's file (read as
  // the page's period, it would be); the main monthly CSV and the provisional files are not 4-week waits.
  mhsds_four_week_waits: {
    period: '2024-06',
    pages: [
      [
        `${DIGITAL}/mental-health-services-monthly-statistics/performance-june-2024`,
        [
          ['/f/20/MHSDS%20Data_JunPrf_2024.csv', 'MHSDS Monthly: Performance June 2024'],
          ['/f/21/MHSDS%20Data_4WW_JunPerf_2024.csv', 'MHSDS Monthly: 4-week waits, Performance June 2024'],
          ['/f/22/MHSDS%20Data_4WW_MayPerf_2024_v2.csv', 'MHSDS Monthly: 4-week waits (revised)'],
          ['/f/23/MHSDS%20Data_4WW_JulPrv_2024.csv', '4-week waits, provisional'],
        ],
      ],
    ],
    chosen: '/f/21/MHSDS%20Data_4WW_JunPerf_2024.csv',
  },
  gp_earnings_expenses: {
    period: 'FY2022-23',
    pages: [
      [
        `${DIGITAL}/gp-earnings-and-expenses-estimates/2022-23`,
        [
          ['/f/18/gp-earn-exp-2223-csv.csv', 'Estimates (CSV)'],
          ['/f/19/gp-earn-exp-2223-tables.xlsx', 'Tables'],
        ],
      ],
    ],
    chosen: '/f/18/gp-earn-exp-2223-csv.csv',
  },
}

/** The shipped address with its scheme and host replaced by the local site's. */
const local = (site: SiteServer, url: unknown) =>
  typeof url === 'string' ? url.replace(/^https:\/\/[^/]+/, site.url) : url

describe('publication library: the shipped discovery rules choose the publisher’s file', () => {
  let root: string
  let site: SiteServer
  let db: { url: string; drop: () => Promise<void> }

  beforeAll(async () => {
    ensureBuilt()
    root = mkdtempSync(join(tmpdir(), 'datawarp-library-discovery-'))
    site = await new SiteServer().start()
    db = await createTestDatabase()
    for (const c of Object.values(CASES))
      for (const [path, links] of c.pages) site.put(path, page('NHS statistics', links))
    const publications: Record<string, unknown> = {}
    for (const [code, c] of Object.entries(CASES)) {
      const { urls: _, periods: __, ...entry } = SHIPPED.publications[code]!
      publications[code] = {
        ...entry,
        landing_page: local(site, entry.landing_page),
        ...(entry.url_template ? { url_template: local(site, entry.url_template) } : {}),
        periods: [c.period],
      }
    }
    mkdirSync(join(root, 'config'))
    writeFileSync(join(root, 'config', 'publications.yaml'), stringify({ publications }))
  })

  afterAll(async () => {
    await site?.stop()
    await db?.drop()
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it('every publication with discovery is covered here', () => {
    const discovering = Object.entries(SHIPPED.publications)
      .filter(([, entry]) => entry.discover !== undefined || entry.url_template !== undefined)
      .map(([code]) => code)
      .filter((code) => !['adhd', 'ae_attendances'].includes(code)) // tested in discovery.test.ts
    expect(discovering.sort()).toEqual(Object.keys(CASES).sort())
  })

  it('plans each publication’s period with exactly its file', async () => {
    const result = await runCli(['plan', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code, result.stdout.slice(0, 3000) + result.stderr).toBe(0)
    const plan = JSON.parse(result.stdout) as {
      publications: {
        publication: string
        periods: { period: string; status: string; files: { url: string }[] }[]
      }[]
    }
    const found = Object.fromEntries(
      plan.publications.map((p) => [
        p.publication,
        p.periods.map(
          (x) => `${x.period} ${x.status} ${x.files.map((f) => f.url.replace(site.url, '')).join(' ')}`,
        ),
      ]),
    )
    expect(found).toEqual(
      Object.fromEntries(Object.entries(CASES).map(([code, c]) => [code, [`${c.period} load ${c.chosen}`]])),
    )
  })
})
