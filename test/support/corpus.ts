import { readFileSync } from 'node:fs'

/** The real NHS files (../shared/corpus beside the repository); tests skip when it is absent. */
export const CORPUS = new URL('../../../shared/corpus', import.meta.url).pathname

/** Data rows of a CSV with no line breaks inside values: its non-blank lines less the header. */
export const csvRows = (path: string) =>
  readFileSync(path, 'latin1')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '').length - 1

/**
 * Practices in Table 2 of the Online Consultation workbooks, counted in the workbooks (Python, zipfile + XML): from
 * the row under the header (row 12) to the last practice before "Source: NHS England".
 */
export const OC_PRACTICE_ROWS: Readonly<Record<string, number>> = {
  '2024-04': 4882,
  '2024-05': 4769,
  '2024-06': 6258,
  '2024-08': 6239,
  '2024-12': 6219,
  '2025-03': 6213,
}

/** The Online Consultation workbooks in the corpus (gp_online_consultation_submissions), oldest first. */
export const OC_WORKBOOKS: readonly (readonly [period: string, file: string])[] = [
  ['2024-04', 'April 2024'],
  ['2024-05', 'May 2024'],
  ['2024-06', 'June 2024'],
  ['2024-08', 'August 2024'],
  ['2024-12', 'December 2024'],
  ['2025-03', 'March 2025'],
].map(([period, month]) => [
  period!,
  `Submissions via Online Consultation Systems in General Practice - ${month}.xlsx`,
])
