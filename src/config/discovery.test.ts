import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigFileSchema } from '../model/config.js'
import { loadConfig } from './load-config.js'

let dir: string
let counter = 0
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'datawarp-discovery-config-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function configFile(...lines: string[]): string {
  const file = join(dir, `publications-${++counter}.yaml`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const TODAY = new Date('2026-01-20T09:00:00Z')

describe('loadConfig: finding periods without listing their files', () => {
  it('resolves a landing page, a URL template and a schedule into the periods to look for', () => {
    const file = configFile(
      'publications:',
      '  adhd:',
      '    name: ADHD Management Information',
      '    landing_page: https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd',
      '    url_template: "{landing_page}/{month_name}-{year}"',
      '    discover: "ADHD_*.csv"',
      '    periods: { start: 2025-05, end: current, months: [feb, may, aug, nov], lag_days: 45 }',
      '    urls:',
      '      - { period: 2025-05, url: "https://files.digital.nhs.uk/A3/8EAC22/ADHD_May25.csv" }',
    )
    const config = loadConfig(file, { today: TODAY })
    expect(config.problems).toEqual([])
    const [adhd] = config.publications
    expect(adhd?.urls).toHaveLength(1)
    expect(adhd?.discovery).toEqual({
      landingPage: 'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd',
      urlTemplate: '{landing_page}/{month_name}-{year}',
      patterns: ['ADHD_*.csv'],
      allowedHosts: ['digital.nhs.uk', 'files.digital.nhs.uk', 'www.england.nhs.uk'],
      // 2025-05 is left to its `urls` entry; 2026-02 is not due yet.
      periods: [
        {
          period: '2025-08',
          dueOn: '2025-10-15',
          due: true,
          url: 'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd/august-2025',
          line: 7,
        },
        {
          period: '2025-11',
          dueOn: '2026-01-14',
          due: true,
          url: 'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd/november-2025',
          line: 7,
        },
      ],
      line: 5,
    })
  })

  it('takes a list of periods, a discover pattern alone on the landing page, and allowed hosts', () => {
    const file = configFile(
      'publications:',
      '  ae:',
      '    name: A&E attendances',
      '    landing_page: https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/',
      '    discover: [Monthly-AE-*.csv]',
      '    allowed_hosts: [www.england.nhs.uk]',
      '    periods:',
      '      - 2025-10',
      '      - 2025-11',
    )
    const [ae] = loadConfig(file, { today: TODAY }).publications
    expect(ae?.discovery?.patterns).toEqual(['Monthly-AE-*.csv'])
    expect(ae?.discovery?.allowedHosts).toEqual(['www.england.nhs.uk'])
    expect(ae?.discovery?.periods.map((p) => [p.period, p.due, p.line, p.url])).toEqual([
      ['2025-10', true, 8, undefined],
      ['2025-11', true, 9, undefined],
    ])
    expect(ae?.discovery?.line).toBe(5)
  })

  it('leaves publications with urls only as they were', () => {
    const file = configFile(
      'publications:',
      '  plain:',
      '    name: Plain',
      '    urls: [{ period: 2025-01, url: "a.csv" }]',
    )
    expect(loadConfig(file).publications[0]).not.toHaveProperty('discovery')
  })

  it('reports each broken discovery setting at its line, and fails only that publication', () => {
    const file = configFile(
      'publications:',
      '  no_periods:',
      '    name: A',
      '    url_template: "https://example.org/{year}/{month_name}"',
      '  bad_placeholder:',
      '    name: B',
      '    url_template: "https://example.org/{monthname}-{year}"',
      '    periods: [2025-01]',
      '  no_landing_page:',
      '    name: C',
      '    discover: "*.csv"',
      '    periods: [2025-01]',
      '  months_of_quarters:',
      '    name: D',
      '    url_template: "https://example.org/{year}-q{quarter}"',
      '    periods: { start: 2025-Q1, months: [3] }',
      '  bad_month:',
      '    name: E',
      '    url_template: "https://example.org/{year}"',
      '    periods: { start: 2025-01, months: [smarch] }',
      '  fine:',
      '    name: F',
      '    url_template: "https://example.org/{period}.csv"',
      '    periods: { start: 2025-01, end: 2025-03 }',
    )
    const config = loadConfig(file, { today: TODAY })
    expect(config.publications.map((p) => p.code)).toEqual(['fine'])
    expect(config.problems.map((p) => [p.publication, p.line, p.field, p.message])).toEqual([
      [
        'no_periods',
        3,
        'publications.no_periods.periods',
        'periods is required with url_template or discover: a list of periods, or a schedule such as { start: 2025-04, end: current, lag_days: 45 }',
      ],
      [
        'bad_placeholder',
        7,
        'publications.bad_placeholder.url_template',
        expect.stringMatching(/^unknown placeholder \{monthname\}; known: \{landing_page\} \{period\}/),
      ],
      [
        'no_landing_page',
        11,
        'publications.no_landing_page.discover',
        'discover without url_template scans landing_page: give landing_page',
      ],
      [
        'months_of_quarters',
        16,
        'publications.months_of_quarters.periods.months',
        'months only applies to a monthly schedule (start like 2025-04)',
      ],
      [
        'bad_month',
        20,
        'publications.bad_month.periods.months.0',
        '"smarch" is not a month: use 1-12 or a name (may, November)',
      ],
    ])
  })

  it('are described in the JSON Schema for editors', () => {
    const schema = JSON.stringify(ConfigFileSchema.toJSONSchema({ io: 'input' }))
    for (const field of ['landing_page', 'url_template', 'periods', 'discover', 'allowed_hosts', 'lag_days'])
      expect(schema).toContain(`"${field}"`)
  })
})
