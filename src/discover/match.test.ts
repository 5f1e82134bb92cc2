import { describe, expect, it } from 'vitest'
import { extractLinks } from './links.js'
import {
  type Candidate,
  fileIdentity,
  globMatches,
  linkFileName,
  type MatchRules,
  matchCandidates,
  revisionRank,
  uploadFolder,
} from './match.js'

const FILES = 'https://files.digital.nhs.uk'
const NHSE = 'https://www.england.nhs.uk'

let order = 0
function link(url: string, more: Partial<Candidate> = {}): Candidate {
  return { url, text: '', page: 'https://digital.nhs.uk/p', depth: 0, order: order++, ...more }
}

function rules(wanted: string[], more: Partial<MatchRules> = {}): MatchRules {
  return {
    kind: 'month',
    wanted: new Set(wanted),
    patternsFor: () => ['*'],
    allowedHosts: ['digital.nhs.uk', 'files.digital.nhs.uk', 'www.england.nhs.uk'],
    ...more,
  }
}

const chosen = (verdicts: ReturnType<typeof matchCandidates>) =>
  verdicts.filter((v) => v.decision === 'chosen').map((v) => [v.period, v.candidate.url])

describe('extractLinks: the links of a page', () => {
  it('resolves relative links against the page or its <base>, keeps the visible text, and skips anchors and mail', () => {
    const html = `<html><head><base href="https://digital.nhs.uk/pubs/"></head><body>
      <a href="mi-adhd/november-2025">ADHD, <b>November&nbsp;2025</b></a>
      <a class="nhsd-a-box-link" href="https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv">
        <p class="nhsd-t-heading-s">ADHD Management Information</p><p>CSV, 12 kB</p></a>
      <a href="#top">Top</a> <a href="mailto:x@y.z">mail</a>
      <a href="/x.xlsx" title="Data tables"></a>
      <a href="mi-adhd/november-2025#data">again</a>
    </body></html>`
    expect(extractLinks(html, 'https://digital.nhs.uk/elsewhere')).toEqual([
      { url: 'https://digital.nhs.uk/pubs/mi-adhd/november-2025', text: 'ADHD, November 2025 | again' },
      {
        url: 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv',
        text: 'ADHD Management Information CSV, 12 kB',
      },
      { url: 'https://digital.nhs.uk/x.xlsx', text: 'Data tables' },
    ])
  })
})

describe('matchCandidates: which links are which period’s files', () => {
  it('reads the period from the URL-decoded file name: PCNW%20March%202025 is March 2025, never March 2020', () => {
    const url = `${FILES}/09/54F096/PCNW%20March%202025%20-%20Bulletin%20tables.xlsx`
    expect(linkFileName(url)).toBe('PCNW March 2025 - Bulletin tables.xlsx')
    const verdicts = matchCandidates([link(url)], rules(['2020-03', '2025-03']))
    expect(chosen(verdicts)).toEqual([['2025-03', url]])
  })

  it('reads the link text when the file name has no date, and the period page when neither has', () => {
    const byText = link(`${NHSE}/statistics/wp-content/uploads/sites/2/2025/12/AE-by-provider-9Ia4R.xls`, {
      text: 'A&E by provider, November 2025 (XLS, 170KB)',
    })
    const byPage = link(`${FILES}/1F/80EABA/gp-reg-pat-prac-all.zip`, { pagePeriod: '2025-10' })
    const undated = link(`${FILES}/0B/1D74C5/Data_dictionary.xlsx`)
    const verdicts = matchCandidates([byText, byPage, undated], rules(['2025-10', '2025-11']))
    expect(chosen(verdicts)).toEqual([
      ['2025-11', byText.url],
      ['2025-10', byPage.url],
    ])
    expect(verdicts.find((v) => v.candidate === undated)?.reason).toBe(
      'no period in its file name or link text, and not on a period page',
    )
  })

  it('lets the file name win over the link text and the page: a dated file belongs to its own date', () => {
    const lastMonth = link(`${FILES}/AA/111111/ADHD_Oct25.csv`, {
      text: 'November 2025',
      pagePeriod: '2025-11',
    })
    const verdicts = matchCandidates([lastMonth], rules(['2025-11']))
    expect(verdicts[0]).toMatchObject({
      decision: 'rejected',
      reason: 'its file name names 2025-10, which is not a period looked for',
    })
  })

  it('ignores the upload-month folder: /uploads/2025/12/ holds November’s file', () => {
    const url = `${NHSE}/statistics/wp-content/uploads/sites/2/2025/12/Monthly-AE-November-2025.csv`
    expect(chosen(matchCandidates([link(url)], rules(['2025-11', '2025-12'])))).toEqual([['2025-11', url]])
  })

  it('refuses links to hosts that are not allowed, whatever they are named', () => {
    const verdicts = matchCandidates([link('https://evil.example/ADHD_Nov25.csv')], rules(['2025-11']))
    expect(verdicts[0]).toMatchObject({
      decision: 'rejected',
      reason:
        'host evil.example is not allowed (allowed: digital.nhs.uk, files.digital.nhs.uk, www.england.nhs.uk)',
    })
  })

  it('keeps only files matching the pattern, with placeholders filled for the period', () => {
    const data = link(`${FILES}/09/6D1142/ADHD_Nov25.csv`)
    const summary = link(`${FILES}/4A/C95F1C/ADHD_summary_Nov25.xlsx`)
    const verdicts = matchCandidates(
      [data, summary],
      rules(['2025-11'], { patternsFor: () => ['ADHD_Nov25.csv'] }),
    )
    expect(chosen(verdicts)).toEqual([['2025-11', data.url]])
    expect(verdicts.find((v) => v.candidate === summary)?.reason).toBe('does not match "ADHD_Nov25.csv"')
  })

  it('takes every distinct file of a period', () => {
    const xlsx = link(`${FILES}/2B/9C8873/Submissions%20via%20OC%20Systems%20-%20November%202025.xlsx`)
    const zip = link(`${FILES}/65/E18914/Submissions%20via%20OC%20Systems%20-%20November%202025.zip`)
    expect(chosen(matchCandidates([xlsx, zip], rules(['2025-11'])))).toHaveLength(2)
  })
})

describe('matchCandidates: ties between versions of one file', () => {
  it('prefers the revised file to the first one, and says which rule decided', () => {
    const first = link(`${NHSE}/uploads/2025/12/Monthly-AE-November-2025.csv`)
    const revised = link(`${NHSE}/uploads/2026/01/Monthly-AE-November-2025-revised.csv`)
    const verdicts = matchCandidates([first, revised], rules(['2025-11']))
    expect(chosen(verdicts)).toEqual([['2025-11', revised.url]])
    expect(verdicts.find((v) => v.candidate === first)?.reason).toMatch(
      /^superseded by .*-revised\.csv: a later revision wins/,
    )
  })

  it('prefers final to provisional, and a higher version mark', () => {
    const provisional = link(`${FILES}/AA/1/ADHD_Nov25_provisional.csv`)
    const plain = link(`${FILES}/BB/2/ADHD_Nov25.csv`)
    expect(chosen(matchCandidates([provisional, plain], rules(['2025-11'])))).toEqual([
      ['2025-11', plain.url],
    ])
    const v2 = link(`${FILES}/CC/3/CBT%20October%202025_v2.xlsx`)
    const v3 = link(`${FILES}/DD/4/CBT%20October%202025_v3.xlsx`)
    expect(chosen(matchCandidates([v2, v3], rules(['2025-10'])))).toEqual([['2025-10', v3.url]])
  })

  it('prefers the newer upload folder when hash-suffixed names are otherwise the same file', () => {
    const older = link(`${NHSE}/uploads/2025/12/November-2025-AE-by-provider-9Ia4R.xls`)
    const newer = link(`${NHSE}/uploads/2026/01/November-2025-AE-by-provider-Xk2pQ.xls`)
    const verdicts = matchCandidates([older, newer], rules(['2025-11']))
    expect(chosen(verdicts)).toEqual([['2025-11', newer.url]])
    expect(verdicts.find((v) => v.candidate === older)?.reason).toMatch(/a newer upload folder wins/)
  })

  it('prefers the file on the period’s own page, then the link found first', () => {
    const elsewhere = link(`${FILES}/AA/1/ADHD_Nov25.csv`, { pagePeriod: '2025-12' })
    const own = link(`${FILES}/BB/2/ADHD_Nov25.csv`, { pagePeriod: '2025-11' })
    expect(chosen(matchCandidates([elsewhere, own], rules(['2025-11'])))).toEqual([['2025-11', own.url]])
    const a = link(`${FILES}/AA/1/ADHD_Nov25.csv`)
    const b = link(`${FILES}/BB/2/ADHD_Nov25.csv`)
    const verdicts = matchCandidates([a, b], rules(['2025-11']))
    expect(chosen(verdicts)).toEqual([['2025-11', a.url]])
    expect(verdicts.find((v) => v.candidate === b)?.reason).toMatch(/the link found first wins/)
  })
})

describe('file name helpers', () => {
  it('see versions of one file as one file, and different files as different', () => {
    expect(fileIdentity('Monthly-AE-November-2025-revised.csv', 'month')).toBe(
      fileIdentity('Monthly-AE-November-2025.csv', 'month'),
    )
    expect(fileIdentity('November-2025-AE-by-provider-9Ia4R.xls', 'month')).toBe(
      'november-2025-ae-by-provider.xls',
    )
    expect(fileIdentity('ADHD_Nov25.csv', 'month')).not.toBe(fileIdentity('ADHD_Oct25.csv', 'month'))
    expect(fileIdentity('Table_1a2b3.csv', 'month')).toBe('table-1a2b3.csv')
    expect(fileIdentity('Report.csv', 'month')).not.toBe(fileIdentity('Report.xlsx', 'month'))
  })

  it('rank revisions', () => {
    expect(revisionRank('x_provisional.csv')).toEqual([0, 0])
    expect(revisionRank('x.csv')).toEqual([1, 0])
    expect(revisionRank('x-revised.csv')).toEqual([2, 0])
    expect(revisionRank('x_v2.csv')).toEqual([2, 2])
    expect(revisionRank('x.csv', 'Monthly A&E (revised)')).toEqual([2, 0])
  })

  it('match globs case-insensitively against the whole name', () => {
    expect(globMatches('ADHD_*.csv', 'adhd_Nov25.CSV')).toBe(true)
    expect(globMatches('ADHD_*.csv', 'ADHD_Nov25.csv.zip')).toBe(false)
    expect(globMatches('PCNW ??? 2025*', 'PCNW Mar 2025 - tables.xlsx')).toBe(true)
    expect(globMatches('a(b).csv', 'a(b).csv')).toBe(true)
  })

  it('read upload folders', () => {
    expect(uploadFolder(`${NHSE}/statistics/wp-content/uploads/sites/2/2025/12/x.csv`)).toBe(202512)
    expect(uploadFolder(`${FILES}/09/6D1142/x.csv`)).toBe(0)
  })
})
