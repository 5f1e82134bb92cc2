import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import { snapshot } from '../../test/support/legacy.js'
import { type CatalogRow, writeCatalog } from '../export/catalog.js'
import { appendToArchive, type CleanupReport, cleanupProject, formatCleanupReport } from './index.js'
import { listEventLogs } from './log-archive.js'

const NOW = new Date('2026-11-27T12:00:00Z')
const DAY = 86_400_000
const retention = { logs_days: 7 }

function touch(path: string, at: Date) {
  utimesSync(path, at, at)
}

function catalogRow(parquetPath: string): CatalogRow {
  const code = parquetPath.replace(/\.parquet$/, '')
  const [publication, sourceKey] = code.split('__') as [string, string]
  return {
    sourceCode: code,
    publication,
    publicationName: publication,
    sourceKey,
    tableName: `${publication}.${sourceKey}`,
    title: null,
    description: null,
    rowCount: 1,
    columnCount: 1,
    firstPeriod: '2025-01',
    lastPeriod: '2025-01',
    columns: '[]',
    parquetPath,
    files: [],
    fileSizeBytes: 4,
    updatedAtMicros: '0',
    loadMark: '1:0',
  }
}

describe('datawarp cleanup', () => {
  let root: string
  const at = (...parts: string[]) => join(root, ...parts)

  /** An event log in its daily folder, last written at the end of that day. */
  function writeLog(date: string, runId: string, ended: 'succeeded' | 'failed' | 'open' = 'succeeded') {
    const path = at('data/logs/events', date, `${runId}.jsonl`)
    mkdirSync(dirname(path), { recursive: true })
    const lines = [{ ts: `${date}T01:00:00Z`, run_id: runId, level: 'info', event: 'run.start' }]
    if (ended !== 'open')
      lines.push({
        ts: `${date}T01:05:00Z`,
        run_id: runId,
        level: 'info',
        event: 'run.end',
        failed: ended === 'failed',
      } as never)
    writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''))
    touch(path, new Date(`${date}T23:00:00Z`))
    return path
  }

  /** A run folder in tmp/manifests, last modified `ageMs` before NOW. */
  function writeRunFolder(runId: string, ageMs: number) {
    const dir = at('tmp/manifests', runId)
    mkdirSync(join(dir, 'files'), { recursive: true })
    writeFileSync(join(dir, 'draft.yaml'), 'sources: []\n')
    writeFileSync(join(dir, 'files', 'download.csv'), 'a,b\n1,2\n')
    const when = new Date(NOW.getTime() - ageMs)
    for (const p of [join(dir, 'files', 'download.csv'), join(dir, 'files'), join(dir, 'draft.yaml'), dir])
      touch(p, when)
    return dir
  }

  const cleanup = (extra: Partial<Parameters<typeof cleanupProject>[0]> = {}) =>
    cleanupProject({ root, retention, now: NOW, ...extra })
  const reasonFor = (report: CleanupReport, path: string) =>
    [...report.deleted, ...report.kept, ...report.archived].find((a) => a.path === path)?.reason

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'datawarp-cleanup-'))
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('puts event logs older than logs_days into one archive per month, then deletes them and their empty days', async () => {
    writeLog('2026-10-03', '20261003T010000Z-0001')
    writeLog('2026-10-03', '20261003T020000Z-0002')
    writeLog('2026-10-30', '20261030T010000Z-0003')
    writeLog('2026-11-02', '20261102T010000Z-0004')
    writeLog('2026-11-20', '20261120T010000Z-0005') // 7 days old: stays
    writeLog('2026-11-26', '20261126T010000Z-0006')
    const report = await cleanup()
    expect(report.archived.map((a) => [a.path.split('/').pop(), a.archive])).toEqual([
      ['20261003T010000Z-0001.jsonl', 'data/archive/logs/2026-10.jsonl.gz'],
      ['20261003T020000Z-0002.jsonl', 'data/archive/logs/2026-10.jsonl.gz'],
      ['20261030T010000Z-0003.jsonl', 'data/archive/logs/2026-10.jsonl.gz'],
      ['20261102T010000Z-0004.jsonl', 'data/archive/logs/2026-11.jsonl.gz'],
    ])
    expect(listEventLogs(at('data/logs/events')).logs.map((l) => l.date)).toEqual([
      '2026-11-20',
      '2026-11-26',
    ])
    for (const day of ['2026-10-03', '2026-10-30', '2026-11-02'])
      expect(existsSync(at('data/logs/events', day))).toBe(false)
    const october = gunzipSync(readFileSync(at('data/archive/logs/2026-10.jsonl.gz')))
      .toString()
      .trim()
      .split('\n')
    expect(october.map((l) => JSON.parse(l).run_id)).toEqual([
      '20261003T010000Z-0001',
      '20261003T010000Z-0001',
      '20261003T020000Z-0002',
      '20261003T020000Z-0002',
      '20261030T010000Z-0003',
      '20261030T010000Z-0003',
    ])
  })

  it('appends to a month already archived, readable by zcat as one stream, and never twice', async () => {
    writeLog('2026-10-03', '20261003T010000Z-0001')
    await cleanup()
    writeLog('2026-10-04', '20261004T010000Z-0002')
    // An earlier cleanup stopped after writing the archive but before deleting this log: not added again.
    writeLog('2026-10-03', '20261003T010000Z-0001')
    const report = await cleanup()
    expect(report.archived.map((a) => a.reason)).toEqual(['already in the archive', 'older than 7 days'])
    const archive = at('data/archive/logs/2026-10.jsonl.gz')
    const lines = execFileSync('gzip', ['-dc', archive]).toString().trim().split('\n')
    expect(lines.map((l) => JSON.parse(l).run_id)).toEqual([
      '20261003T010000Z-0001',
      '20261003T010000Z-0001',
      '20261004T010000Z-0002',
      '20261004T010000Z-0002',
    ])
    expect(existsSync(`${archive}.tmp-${process.pid}`)).toBe(false)
  })

  it('appending keeps the old archive bytes as they were: the new logs are a member after them', () => {
    const dir = at('logs')
    mkdirSync(dir)
    const log = (name: string) => {
      const path = join(dir, `${name}.jsonl`)
      writeFileSync(path, `{"run_id":"${name}","event":"run.start"}`)
      return { path, date: '2026-10-01', runId: name, bytes: 1, mtimeMs: 0 }
    }
    const archive = at('archive.jsonl.gz')
    appendToArchive(archive, [log('a')], false)
    const first = readFileSync(archive)
    const second = appendToArchive(archive, [log('b')], false)
    expect(readFileSync(archive).subarray(0, first.length)).toEqual(first)
    expect(second.bytesAfter).toBe(readFileSync(archive).length)
    // A log without its final newline still ends its line in the archive.
    expect(gunzipSync(readFileSync(archive)).toString()).toBe(
      '{"run_id":"a","event":"run.start"}\n{"run_id":"b","event":"run.start"}\n',
    )
  })

  it('deletes the folders of finished runs but never one the ledger says is running', async () => {
    const db = await openLedgerDatabase()
    const pool = db.pool
    try {
      const runs = [
        ['20261126T010000Z-0001', 'succeeded', '2026-11-26T01:00:00Z'],
        ['20261126T020000Z-0002', 'running', '2026-11-26T02:00:00Z'],
        ['20261126T030000Z-0003', 'failed', '2026-11-26T03:00:00Z'],
        ['20261001T010000Z-0004', 'failed', '2026-10-01T01:00:00Z'],
        ['20261002T010000Z-0005', 'running', '2026-10-02T01:00:00Z'],
      ]
      for (const [id, status, started] of runs) {
        await pool.query('INSERT INTO datawarp.runs (run_id, started_at, status) VALUES ($1, $2, $3)', [
          id,
          started,
          status,
        ])
        writeRunFolder(id!, 2 * DAY)
      }
      const report = await cleanup({ pool })
      expect(report.ledger).toBe(true)
      expect(reasonFor(report, 'tmp/manifests/20261126T010000Z-0001')).toBe('run succeeded')
      expect(reasonFor(report, 'tmp/manifests/20261126T020000Z-0002')).toBe(
        'in progress: the ledger says running',
      )
      expect(reasonFor(report, 'tmp/manifests/20261126T030000Z-0003')).toMatch(/^run failed 1 days ago: kept/)
      expect(reasonFor(report, 'tmp/manifests/20261001T010000Z-0004')).toMatch(/^run failed 57 days ago/)
      expect(reasonFor(report, 'tmp/manifests/20261002T010000Z-0005')).toMatch(/a killed run/)
      expect(existsSync(at('tmp/manifests/20261126T020000Z-0002'))).toBe(true)
      expect(existsSync(at('tmp/manifests/20261126T030000Z-0003'))).toBe(true)
      expect(existsSync(at('tmp/manifests/20261126T010000Z-0001'))).toBe(false)
      expect(existsSync(at('tmp/manifests/20261001T010000Z-0004'))).toBe(false)
    } finally {
      await db.close()
    }
  })

  it('without a database, judges runs by their event log, else keeps folders touched in the last 24 hours', async () => {
    writeLog('2026-11-26', '20261126T010000Z-0001', 'succeeded')
    writeRunFolder('20261126T010000Z-0001', 3 * 3_600_000)
    writeRunFolder('20261127T100000Z-0002', 2 * 3_600_000) // no log end, recent: may be running
    writeRunFolder('20261120T100000Z-0003', 3 * DAY) // no log end, idle for days
    writeRunFolder('20261127T110000Z-0004', 3_600_000)
    const report = await cleanup({ keepRuns: ['20261127T110000Z-0004'] })
    expect(report.ledger).toBe(false)
    expect(report.notes.join('\n')).toMatch(/no database reachable/)
    expect(reasonFor(report, 'tmp/manifests/20261126T010000Z-0001')).toBe('run succeeded')
    expect(reasonFor(report, 'tmp/manifests/20261127T100000Z-0002')).toMatch(
      /modified 2 h ago: may still be running/,
    )
    expect(reasonFor(report, 'tmp/manifests/20261120T100000Z-0003')).toMatch(/untouched for 3 days/)
    expect(reasonFor(report, 'tmp/manifests/20261127T110000Z-0004')).toBe('the current run')
    expect(existsSync(at('tmp/manifests/20261127T100000Z-0002'))).toBe(true)
    expect(existsSync(at('tmp/manifests/20261120T100000Z-0003'))).toBe(false)
  })

  it('keeps only the exports catalog.parquet lists', async () => {
    mkdirSync(at('data/exports'), { recursive: true })
    await writeCatalog(at('data/exports/catalog.parquet'), [catalogRow('adhd__summary.parquet')])
    const old = new Date(NOW.getTime() - 3 * DAY)
    for (const name of [
      'adhd__summary.parquet',
      'adhd__dropped.parquet',
      'adhd__summary.parquet.tmp',
      'notes.txt',
    ]) {
      writeFileSync(at('data/exports', name), 'PAR1')
      touch(at('data/exports', name), old)
    }
    writeFileSync(at('data/exports/adhd__new.parquet'), 'PAR1') // just written: an export may be in progress
    const report = await cleanup()
    expect(report.deleted.map((d) => d.path).sort()).toEqual([
      'data/exports/adhd__dropped.parquet',
      'data/exports/adhd__summary.parquet.tmp',
    ])
    expect(reasonFor(report, 'data/exports/adhd__new.parquet')).toMatch(/export in progress/)
    for (const name of ['catalog.parquet', 'adhd__summary.parquet', 'adhd__new.parquet', 'notes.txt'])
      expect(existsSync(at('data/exports', name)), name).toBe(true)
  })

  it('keeps only the period files catalog.parquet lists in each source folder', async () => {
    const folder = at('data/exports/adhd/summary')
    mkdirSync(folder, { recursive: true })
    mkdirSync(at('data/exports/adhd/dropped'), { recursive: true })
    mkdirSync(at('data/exports/Not A Code'), { recursive: true })
    const listed = ['2025-01.parquet', '2025-02.parquet'].map((name) => ({
      period: name.slice(0, 7),
      path: `adhd/summary/${name}`,
      bytes: 4,
      rows: 1,
      mark: '1:0',
    }))
    await writeCatalog(at('data/exports/catalog.parquet'), [
      { ...catalogRow('adhd__summary.parquet'), parquetPath: 'adhd/summary', files: listed },
    ])
    const old = new Date(NOW.getTime() - 3 * DAY)
    const files = [
      'adhd/summary/2025-01.parquet',
      'adhd/summary/2025-02.parquet',
      'adhd/summary/2024-12.parquet', // a period no longer exported
      'adhd/summary/2025-03.parquet.tmp',
      'adhd/dropped/2025-01.parquet', // a source no longer exported
      'adhd__summary.parquet', // the single file of the layout before
      'Not A Code/2025-01.parquet', // not a source folder: not ours to judge
    ]
    for (const name of files) {
      writeFileSync(at('data/exports', name), 'PAR1')
      touch(at('data/exports', name), old)
    }
    const report = await cleanup()
    expect(report.deleted.map((d) => d.path).sort()).toEqual([
      'data/exports/adhd/dropped/2025-01.parquet',
      'data/exports/adhd/summary/2024-12.parquet',
      'data/exports/adhd/summary/2025-03.parquet.tmp',
      'data/exports/adhd__summary.parquet',
    ])
    for (const name of [
      'adhd/summary/2025-01.parquet',
      'adhd/summary/2025-02.parquet',
      'Not A Code/2025-01.parquet',
    ])
      expect(existsSync(at('data/exports', name)), name).toBe(true)
  })

  it('removes the .tmp leftovers of a killed export at once when the database says no export is running', async () => {
    const db = await openLedgerDatabase()
    try {
      mkdirSync(at('data/exports'), { recursive: true })
      await writeCatalog(at('data/exports/catalog.parquet'), [catalogRow('adhd__summary.parquet')])
      writeFileSync(at('data/exports/adhd__summary.parquet'), 'PAR1')
      writeFileSync(at('data/exports/adhd__summary.parquet.tmp'), 'half') // just now: a killed export's
      const holder = await db.pool.connect()
      try {
        await holder.query(`SELECT pg_advisory_lock(hashtext('datawarp.export'))`)
        const during = await cleanup({ pool: db.pool })
        expect(reasonFor(during, 'data/exports/adhd__summary.parquet.tmp')).toMatch(/export in progress/)
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()')
        holder.release()
      }
      const after = await cleanup({ pool: db.pool })
      expect(reasonFor(after, 'data/exports/adhd__summary.parquet.tmp')).toMatch(/no export is running/)
      expect(existsSync(at('data/exports/adhd__summary.parquet.tmp'))).toBe(false)
      expect(existsSync(at('data/exports/adhd__summary.parquet'))).toBe(true)
    } finally {
      await db.close()
    }
  })

  it('leaves the exports alone when there is no catalog to go by', async () => {
    mkdirSync(at('data/exports'), { recursive: true })
    writeFileSync(at('data/exports/adhd__summary.parquet'), 'PAR1')
    touch(at('data/exports/adhd__summary.parquet'), new Date(NOW.getTime() - 3 * DAY))
    const report = await cleanup()
    expect(report.deleted).toEqual([])
    expect(report.notes.join('\n')).toMatch(/catalog.parquet is missing/)
  })

  it('reports bytes per folder before and after, and a dry run shows the same plan touching nothing', async () => {
    writeLog('2026-10-03', '20261003T010000Z-0001')
    writeLog('2026-11-26', '20261126T010000Z-0002')
    writeRunFolder('20261003T010000Z-0001', 50 * DAY)
    const before = snapshot(root)
    const plan = await cleanup({ dryRun: true })
    expect(snapshot(root)).toEqual(before)
    const done = await cleanup()
    expect(plan.archived.map((a) => a.path)).toEqual(done.archived.map((a) => a.path))
    expect(plan.deleted.map((d) => d.path)).toEqual(done.deleted.map((d) => d.path))
    // The plan's "after" is what the cleanup then left.
    expect(plan.folders).toEqual(done.folders)
    const size = (report: CleanupReport, path: string) => report.folders.find((f) => f.path === path)!
    expect(size(done, 'tmp/manifests').after).toBe(0)
    expect(size(done, 'data/archive').before).toBe(0)
    expect(size(done, 'data/archive').after).toBeGreaterThan(0)
    expect(size(done, 'data/logs').after).toBeLessThan(size(done, 'data/logs').before)
    const text = formatCleanupReport(plan)
    expect(text).toContain('dry run: nothing touched')
    expect(text).toContain('would archive  data/logs/events/2026-10-03/20261003T010000Z-0001.jsonl')
    expect(text).toMatch(/data\/logs\s+\d+ B\s+\d+ B/)
  })

  it('a second cleanup has nothing to do', async () => {
    writeLog('2026-10-03', '20261003T010000Z-0001')
    writeRunFolder('20261003T010000Z-0001', 50 * DAY)
    await cleanup()
    const before = snapshot(root)
    const again = await cleanup()
    expect([...again.archived, ...again.deleted]).toEqual([])
    expect(snapshot(root)).toEqual(before)
    expect(formatCleanupReport(again)).toContain('nothing to do')
  })
})
