import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  EMPTY_SOURCE_FILE,
  exportedFilesOf,
  exportFilesUnder,
  periodFileName,
  periodOfFileName,
  sourceFolder,
} from './export-layout.js'

describe('period file names', () => {
  it('keep every period of the grammar as it is', () => {
    for (const period of ['2025-11', '2025-Q3', 'FY2024-25', '2024']) {
      expect(periodFileName(period)).toBe(`${period}.parquet`)
      expect(periodOfFileName(`${period}.parquet`)).toBe(period)
    }
  })

  it('encode any other byte, so a period can name no other folder and no other file', () => {
    const cases: [string, string][] = [
      ['../etc', '%2E%2E%2Fetc.parquet'],
      ['a b_c', 'a%20b%5Fc.parquet'],
      ['Ynys Môn', 'Ynys%20M%C3%B4n.parquet'],
      ['empty_source', 'empty%5Fsource.parquet'],
    ]
    for (const [period, name] of cases) {
      expect(periodFileName(period)).toBe(name)
      expect(periodOfFileName(name)).toBe(period)
    }
    // `.parquet` would be a hidden file to pyarrow: refused, not written where no one reads it.
    expect(() => periodFileName('')).toThrow(/empty text/)
    expect(periodFileName('empty_source')).not.toBe(EMPTY_SOURCE_FILE)
  })

  it('read back only names they could have written', () => {
    for (const name of [
      '2025-11.parquet.tmp',
      'a%2f.parquet',
      'a%zz.parquet',
      'a.b.parquet',
      EMPTY_SOURCE_FILE,
    ]) {
      expect(periodOfFileName(name), name).toBeUndefined()
    }
  })
})

describe('source folders', () => {
  it('are <publication>/<source_key>, codes only', () => {
    expect(sourceFolder('gp_appointments', 'coverage')).toBe('gp_appointments/coverage')
    expect(() => sourceFolder('..', 'coverage')).toThrow(/not a snake_case code/)
    expect(() => sourceFolder('gp', 'a/b')).toThrow(/not a snake_case code/)
  })

  it('list their files as they are on disk, in period order, without temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-layout-'))
    try {
      const folder = join(dir, 'adhd', 'referrals')
      mkdirSync(folder, { recursive: true })
      writeFileSync(join(folder, '2025-02.parquet'), 'PAR1PAR1')
      writeFileSync(join(folder, '2025-01.parquet'), 'PAR1')
      writeFileSync(join(folder, '2025-03.parquet.tmp'), 'half')
      writeFileSync(join(folder, 'notes.txt'), 'not ours')
      writeFileSync(join(dir, 'catalog.parquet'), 'PAR1')
      expect(exportedFilesOf(dir, 'adhd__referrals')).toEqual([
        { period: '2025-01', path: 'adhd/referrals/2025-01.parquet', bytes: 4 },
        { period: '2025-02', path: 'adhd/referrals/2025-02.parquet', bytes: 8 },
      ])
      expect(exportedFilesOf(dir, 'adhd__other')).toEqual([])
      expect(exportFilesUnder(dir)).toEqual([
        join(folder, '2025-01.parquet'),
        join(folder, '2025-02.parquet'),
        join(dir, 'catalog.parquet'),
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
