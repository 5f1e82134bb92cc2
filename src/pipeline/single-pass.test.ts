import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, query } from '../../test/support/database.js'
import { READ_BYTES } from '../extract/csv/reader.js'
import { FIRST_ROWS } from '../extract/find-tables.js'
import { runPipeline } from './index.js'
import { SAMPLE_ROWS } from './single-pass.js'

/** The period whose draft.yaml cannot be written, as when the disk is full; undefined writes everything. */
let unwritable: string | undefined

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    writeFileSync: (path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (unwritable && String(path).endsWith(join(unwritable, 'draft.yaml'))) throw new Error('disk full')
      return (fs.writeFileSync as (...args: unknown[]) => void)(path, ...rest)
    },
  }
})

describe('a period read in one pass', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let root: string
  let configPath: string

  beforeAll(async () => {
    db = await createTestDatabase()
    root = fs.mkdtempSync(join(tmpdir(), 'datawarp-single-pass-'))
    fs.chmodSync(root, 0o755)
    fs.mkdirSync(join(root, 'config'))
    const csv = join(root, 'counts.csv')
    fs.writeFileSync(csv, 'Code,Count\nA,1\nB,2\n')
    configPath = join(root, 'config', 'publications.yaml')
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\npublications:\n  counts:\n    name: Counts\n    urls:\n` +
        `      - { period: 2024-01, url: "${csv}" }\n      - { period: 2024-02, url: "${csv}" }\n`,
    )
  })

  afterAll(async () => {
    await db.drop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('gives its transaction back when the run fails after the copy: the next period still loads', async () => {
    const first = await runPipeline({ configPath, root, databaseUrl: db.url })
    expect(first.publications[0]!.periods.map((p) => p.status)).toEqual(['loaded', 'loaded'])
    unwritable = '2024-01'
    const hung = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the run hung')), 20_000),
    )
    const second = await Promise.race([
      runPipeline({ configPath, root, databaseUrl: db.url, force: true }),
      hung,
    ])
    expect(second.publications[0]!.periods.map((p) => [p.period, p.status, p.error])).toEqual([
      ['2024-01', 'failed', 'disk full'],
      ['2024-02', 'loaded', undefined],
    ])
    expect(
      await query(
        db.url,
        `SELECT count(*)::int n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction'`,
      ),
    ).toEqual([{ n: 0 }])
  })
})

/** Rows of "A1,1" and the like well past FIRST_ROWS and the first read of the file. */
const LONG = Math.max(2 * FIRST_ROWS, Math.ceil(READ_BYTES / 5))

describe("a publication's first period", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let root: string

  beforeAll(async () => {
    db = await createTestDatabase()
    unwritable = undefined
    root = fs.mkdtempSync(join(tmpdir(), 'datawarp-first-pass-'))
    fs.chmodSync(root, 0o755)
    fs.mkdirSync(join(root, 'config'))
  })

  afterAll(async () => {
    await db.drop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  /** Runs a publication of the one file, first period, and returns the period's outcome and events. */
  async function firstRun(code: string, lines: string[]) {
    const csv = join(root, `${code}.csv`)
    fs.writeFileSync(csv, `Code,Count\n${lines.join('\n')}\n`)
    const configPath = join(root, 'config', `${code}.yaml`)
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\npublications:\n  ${code}:\n    name: ${code}\n    urls:\n` +
        `      - { period: 2024-01, url: "${csv}" }\n`,
    )
    const summary = await runPipeline({ configPath, root, databaseUrl: db.url })
    const events = fs
      .readFileSync(summary.eventLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; level: string })
    return { period: summary.publications[0]!.periods[0]!, events: events.map((e) => e.event), all: events }
  }

  it('is read once: copied with the types its first rows show, profiled on the way', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `A${i},${i}`)
    const { period, events } = await firstRun('once', rows)
    expect(period.error ?? period.status).toBe('loaded')
    expect(events).toContain('load.single_pass')
    expect(events).not.toContain('profile.start')
    expect(await query(db.url, `SELECT sum("count")::int AS n FROM once.once`)).toEqual([{ n: 1225 }])
  })

  it('finds a second table far below the first rows: the file is read again and both tables load', async () => {
    // Past the first read of the file too (64 KiB), which is all findFirstTables looks at when it holds more.
    const rows = Array.from({ length: LONG }, (_, i) => `A${i},${i}`)
    rows.push('', 'Table 2: Regions', 'Region,Total,Share', 'North,10,0.5', 'South,20,0.25', 'East,30,0.25')
    const { period, events } = await firstRun('stacked', rows)
    expect(period.error ?? period.status).toBe('loaded')
    expect(events).toContain('extract.read_again')
    expect(
      await query(
        db.url,
        `SELECT s.rows_loaded::int FROM datawarp.load_sources s JOIN datawarp.loads l USING (load_id)
          WHERE l.publication = 'stacked' ORDER BY s.rows_loaded`,
      ),
    ).toEqual([{ rows_loaded: 3 }, { rows_loaded: LONG }])
  })

  it('read again, a period logs each part it leaves out once', async () => {
    const title = join(root, 'title.csv')
    fs.writeFileSync(title, 'Just a title\nAnother line\n')
    const rows = Array.from({ length: LONG }, (_, i) => `A${i},${i}`)
    rows.push('', 'Table 2: Regions', 'Region,Total,Share', 'North,10,0.5', 'South,20,0.25')
    const csv = join(root, 'parts.csv')
    fs.writeFileSync(csv, `Code,Count\n${rows.join('\n')}\n`)
    const configPath = join(root, 'config', 'parts.yaml')
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\npublications:\n  parts:\n    name: parts\n    urls:\n` +
        `      - { period: 2024-01, url: "${title}" }\n      - { period: 2024-01, url: "${csv}" }\n`,
    )
    const summary = await runPipeline({ configPath, root, databaseUrl: db.url })
    expect(summary.publications[0]!.periods[0]!.status).toBe('loaded')
    const events = fs
      .readFileSync(summary.eventLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; source?: string })
    expect(events.map((e) => e.event)).toContain('extract.read_again')
    expect(events.filter((e) => e.event === 'extract.skipped_part').map((e) => e.source)).toEqual([
      'title.csv',
    ])
  })

  it('a wider table far below the first rows is no error: it is found when the file is read again', async () => {
    const rows = Array.from({ length: LONG }, (_, i) => `A${i},${i}`)
    rows.push('', 'Region,Total,Share,Rank', 'North,10,0.5,1', 'South,20,0.25,2', 'East,30,0.25,3')
    const { period, events } = await firstRun('wider', rows)
    expect(period.error ?? period.status).toBe('loaded')
    expect(events).toContain('extract.read_again')
    expect(await query(db.url, `SELECT count(*)::int AS n FROM wider.wider`)).toEqual([{ n: LONG }])
  })

  it('a bad row in a CSV read to its end in its first rows fails the period once, without a second reading', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `A${i},${i}`)
    rows[20] = 'B,1,extra'
    const { period, events } = await firstRun('ragged', rows)
    expect(period.status).toBe('failed')
    expect(period.error).toContain("a value lies outside the table's 2 columns")
    expect(events).not.toContain('extract.read_again')
    expect(events.filter((e) => e === 'extract.end')).toHaveLength(1)
  })

  it('is read the usual way when a row past the sample does not fit the guessed type', async () => {
    // Well past the sample: it ends at the end of the read that reaches SAMPLE_ROWS.
    const rows = Array.from({ length: 2 * SAMPLE_ROWS }, (_, i) => `A${i},${i}`)
    rows[2 * SAMPLE_ROWS - 5] = 'B,about 40'
    const { period, events, all } = await firstRun('twice', rows)
    expect(period.error ?? period.status).toBe('loaded')
    expect(events).toContain('profile.end')
    expect(events).not.toContain('load.single_pass')
    // A guess proved wrong is no warning.
    expect(all.find((e) => e.event === 'load.single_pass_abandoned')?.level).toBe('info')
    expect(
      await query(
        db.url,
        `SELECT data_type FROM information_schema.columns WHERE table_schema = 'twice' AND table_name = 'twice' AND column_name = 'count'`,
      ),
    ).toEqual([{ data_type: 'text' }])
    expect(await query(db.url, `SELECT count(*)::int AS n FROM twice.twice`)).toEqual([
      { n: 2 * SAMPLE_ROWS },
    ])
  })
})
