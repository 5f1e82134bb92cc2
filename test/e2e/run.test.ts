import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { PRACTICE_HEADER, practiceRows, writeCsv, writeWorkbook, writeZip } from '../support/fixtures.js'

const CORPUS = new URL('../../../shared/corpus', import.meta.url).pathname

/** The events of the newest run's log under data/logs/events. */
function lastRunEvents(root: string): { event: string; period?: string; message?: string }[] {
  const days = join(root, 'data', 'logs', 'events')
  const logs = readdirSync(days).flatMap((day) => readdirSync(join(days, day)).map((f) => join(days, day, f)))
  const newest = logs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!
  return readFileSync(newest, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
}

async function duck(sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  const result = await connection.runAndReadAll(sql)
  const rows = result.getRows()
  connection.closeSync()
  return rows as unknown[][]
}

describe('datawarp run, end to end against a local file server and a real PostgreSQL', () => {
  let root: string
  let files: string
  let server: FileServer
  let db: { url: string; drop: () => Promise<void> }
  const run = (...args: string[]) => runCli(['run', ...args], { cwd: root, env: { DATABASE_URL: db.url } })

  beforeAll(async () => {
    ensureBuilt()
    root = mkdtempSync(join(tmpdir(), 'datawarp-e2e-'))
    files = join(root, 'served')
    mkdirSync(files)
    mkdirSync(join(root, 'config'))
    server = await new FileServer(files).start()
    db = await createTestDatabase()

    writeCsv(join(files, 'practices-jan-2024.csv'), PRACTICE_HEADER, practiceRows(1200, 1))
    writeCsv(join(files, 'practices-feb-2024.csv'), PRACTICE_HEADER, practiceRows(1300, 7))
    for (const [name, n] of [
      ['Workforce Summary January 2024.xlsx', 40],
      ['Workforce Summary February 2024.xlsx', 45],
    ] as const) {
      await writeWorkbook(join(files, name), [
        {
          name: 'Table 1',
          titleRows: ['Table 1: Staff by region', 'England, experimental statistics'],
          header: ['Region', 'Staff group', 'Headcount', 'FTE [1]'],
          rows: Array.from({ length: n }, (_, i) => [`Region ${i % 7}`, `Group ${i}`, i * 3, i * 2.5]),
          footnotes: ['Source: NHS England workforce return', '1. FTE is full-time equivalent'],
        },
        {
          name: 'Table 2',
          header: ['Month', 'Joiners', 'Leavers'],
          rows: Array.from({ length: 12 }, (_, i) => [
            new Date(Date.UTC(2023, i, 1)),
            i * 10,
            i === 3 ? 'c' : i,
          ]),
        },
        { name: 'Notes', header: ['Note', 'Text'], rows: [['1', 'Full-time equivalent posts']] },
      ])
    }
    for (const [name, n] of [
      ['appointments-2024-01.zip', 500],
      ['appointments-2024-02.zip', 600],
    ] as const) {
      const csv = [
        'SUB_ICB_CODE,APPT_MODE,COUNT_OF_APPOINTMENTS',
        ...Array.from({ length: n }, (_, i) => `0${i % 9}L,${i % 2 ? 'Face-to-Face' : 'Telephone'},${i}`),
      ].join('\n')
      await writeZip(join(files, name), [
        { name: 'Appointments_GP_Daily.csv', data: csv },
        { name: 'Guidance.pdf', data: '%PDF-1.4 not data' },
      ])
    }
    writeFileSync(
      join(root, 'config', 'publications.yaml'),
      `publications:
  practice_list:
    name: Practice list sizes
    urls:
      - { period: 2024-01, url: "${server.fileUrl('practices-jan-2024.csv')}" }
      - { period: 2024-02, url: "${server.fileUrl('practices-feb-2024.csv')}" }
  workforce:
    name: Workforce summary
    urls:
      - { period: 2024-01, url: "${server.fileUrl('Workforce Summary January 2024.xlsx')}" }
      - { period: 2024-02, url: "${server.fileUrl('Workforce Summary February 2024.xlsx')}" }
  appointments:
    name: Appointments in general practice
    urls:
      - { period: 2024-01, url: "${server.fileUrl('appointments-2024-01.zip')}" }
      - { period: 2024-02, url: "${server.fileUrl('appointments-2024-02.zip')}" }
`,
    )
  })

  afterAll(async () => {
    await server?.stop()
    await db?.drop()
    rmSync(root, { recursive: true, force: true })
  })

  it('holds new publications for review of their first canonical manifest, writing it', async () => {
    const result = await run()
    expect(result.stderr).toBe('')
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded (0 rows), 0 skipped, 6 held')
    expect([...server.requests.values()]).toEqual([1, 1, 1, 1, 1, 1])
    for (const code of ['practice_list', 'workforce', 'appointments']) {
      expect(result.stdout).toContain(`manifest written: manifests/canonical/${code}/${code}_canonical.yaml`)
    }
    const held = await query<{ n: string }>(
      db.url,
      `SELECT count(*) n FROM datawarp.loads WHERE status = 'held'`,
    )
    expect(Number(held[0]!.n)).toBe(6)
  })

  it('loads three publications of two periods each once their manifests are accepted, with every source row', async () => {
    const result = await run()
    expect(result.stderr).toBe('')
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('6 periods loaded')
    const counts = await query<{ t: string; period: string; n: string }>(
      db.url,
      `SELECT 'practice_list' t, _period period, count(*) n FROM practice_list.practices GROUP BY 2
       UNION ALL SELECT 'table_1', _period, count(*) FROM workforce.table_1 GROUP BY 2
       UNION ALL SELECT 'table_2', _period, count(*) FROM workforce.table_2 GROUP BY 2
       UNION ALL SELECT 'appointments', _period, count(*) FROM appointments.appointments_gp_daily GROUP BY 2
       ORDER BY 1, 2`,
    )
    expect(counts.map((c) => `${c.t} ${c.period} ${c.n}`)).toEqual([
      'appointments 2024-01 500',
      'appointments 2024-02 600',
      'practice_list 2024-01 1200',
      'practice_list 2024-02 1300',
      'table_1 2024-01 40',
      'table_1 2024-02 45',
      'table_2 2024-01 12',
      'table_2 2024-02 12',
    ])
    const types = await query<{ column_name: string; data_type: string }>(
      db.url,
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'practice_list' AND table_name = 'practices' ORDER BY ordinal_position`,
    )
    expect(types.map((t) => `${t.column_name}:${t.data_type}`)).toEqual([
      'practice_code:text',
      'practice_name:text',
      'registered_patients:bigint',
      'rate_per_1_000:numeric',
      'month:date',
      '_period:text',
      '_load_id:bigint',
      '_source_file:text',
      '_loaded_at:timestamp with time zone',
    ])
    const suppressed = await query<{ n: string }>(
      db.url,
      `SELECT count(*) n FROM practice_list.practices WHERE registered_patients IS NULL AND _period = '2024-01'`,
    )
    expect(Number(suppressed[0]!.n)).toBe(Math.ceil(1200 / 17))
  })

  it('exports every source to Parquet that DuckDB reads back with the same counts and types', async () => {
    const exports = join(root, 'data', 'exports')
    const catalog = await duck(
      `SELECT source_code, row_count, parquet_path FROM read_parquet('${exports}/catalog.parquet') ORDER BY 1`,
    )
    expect(catalog.map((r) => [r[0], Number(r[1])])).toEqual([
      ['appointments__appointments_gp_daily', 1100],
      ['practice_list__practices', 2500],
      ['workforce__table_1', 85],
      ['workforce__table_2', 24],
    ])
    for (const [folder, rows] of catalog.map((r) => [r[2], Number(r[1])] as const)) {
      const [[count]] = (await duck(
        `SELECT count(*) FROM read_parquet('${exports}/${folder}/*.parquet')`,
      )) as [[bigint]]
      expect(Number(count)).toBe(rows)
    }
    const described = await duck(
      `DESCRIBE SELECT * FROM read_parquet('${exports}/practice_list/practices/*.parquet')`,
    )
    expect(described.map((r) => `${r[0]}:${r[1]}`)).toEqual([
      'practice_code:VARCHAR',
      'practice_name:VARCHAR',
      'registered_patients:BIGINT',
      'rate_per_1_000:DOUBLE',
      'month:DATE',
      '_period:VARCHAR',
      '_load_id:BIGINT',
      '_source_file:VARCHAR',
      expect.stringMatching(/^_loaded_at:TIMESTAMP/),
    ])
  })

  it('writes the canonical manifests, the state file and an event log, and removes its working files', async () => {
    for (const code of ['practice_list', 'workforce', 'appointments']) {
      expect(existsSync(join(root, 'manifests', 'canonical', code, `${code}_canonical.yaml`))).toBe(true)
    }
    // The Notes sheet is not data, but its text explains the footnote marker in the FTE header.
    const workforce = readFileSync(
      join(root, 'manifests', 'canonical', 'workforce', 'workforce_canonical.yaml'),
      'utf8',
    )
    expect(workforce).toContain('(see note 1: Full-time equivalent posts)')
    const state = JSON.parse(readFileSync(join(root, 'data', 'state', 'state.json'), 'utf8'))
    expect(Object.keys(state.publications).sort()).toEqual(['appointments', 'practice_list', 'workforce'])
    expect(state.publications.workforce.periods['2024-02'].status).toBe('loaded')
    const workRoot = join(root, 'tmp', 'manifests')
    expect(existsSync(workRoot) ? readFileSync : null).not.toBeUndefined()
    const { readdirSync } = await import('node:fs')
    expect(existsSync(workRoot) ? readdirSync(workRoot) : []).toEqual([])
  })

  it('a second run loads nothing and says so', async () => {
    const before = await query<{ n: string }>(db.url, 'SELECT count(*) n FROM datawarp.loads')
    const result = await run()
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('0 periods loaded')
    expect(result.stdout).toContain('6 skipped')
    expect(result.stdout).toContain('Nothing new to load.')
    const after = await query<{ n: string }>(db.url, 'SELECT count(*) n FROM datawarp.loads')
    expect(after[0]!.n).toBe(before[0]!.n)
  })

  it('a corrected republication replaces its period only, with no duplicate rows', async () => {
    const loadsBefore = await query<{ period: string; load_id: string }>(
      db.url,
      `SELECT DISTINCT _period period, _load_id load_id FROM practice_list.practices ORDER BY 1`,
    )
    writeCsv(join(files, 'practices-feb-2024.csv'), PRACTICE_HEADER, practiceRows(1250, 99))
    const result = await run()
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('1 periods loaded')
    const loadsAfter = await query<{ period: string; load_id: string; n: string }>(
      db.url,
      `SELECT _period period, _load_id load_id, count(*) n FROM practice_list.practices GROUP BY 1, 2 ORDER BY 1`,
    )
    expect(loadsAfter).toHaveLength(2)
    expect(loadsAfter[0]!.load_id).toBe(loadsBefore[0]!.load_id)
    expect(loadsAfter[1]!.load_id).not.toBe(loadsBefore[1]!.load_id)
    expect(Number(loadsAfter[1]!.n)).toBe(1250)
  })

  it('reads a period that matches its canonical manifest once: profiled while it is copied', async () => {
    writeCsv(join(files, 'practices-feb-2024.csv'), PRACTICE_HEADER, practiceRows(1260, 5))
    const result = await run('--pub', 'practice_list')
    expect(result.code, result.stdout).toBe(0)
    const events = lastRunEvents(root).filter((e) => e.period === '2024-02')
    expect(events.map((e) => e.event)).toContain('load.single_pass')
    expect(events.filter((e) => e.event === 'profile.start')).toEqual([])
    const n = await query<{ n: string }>(
      db.url,
      `SELECT count(*) n FROM practice_list.practices WHERE _period = '2024-02'`,
    )
    expect(Number(n[0]!.n)).toBe(1260)
  })

  it('a value that no longer fits its column stops the one-pass copy, and the period is matched as usual', async () => {
    const rows = practiceRows(1270, 5)
    rows[600]![2] = 'about 40'
    writeCsv(join(files, 'practices-feb-2024.csv'), PRACTICE_HEADER, rows)
    const result = await run('--pub', 'practice_list')
    // The hold contract holds a period whose column turned to text; the period loaded before stays.
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('held')
    const events = lastRunEvents(root).filter((e) => e.period === '2024-02')
    expect(events.find((e) => e.event === 'load.single_pass_abandoned')?.message).toMatch(/about 40/)
    expect(events.map((e) => e.event)).toContain('profile.end')
    const n = await query<{ n: string }>(
      db.url,
      `SELECT count(*) n FROM practice_list.practices WHERE _period = '2024-02'`,
    )
    expect(Number(n[0]!.n)).toBe(1260)
    writeCsv(join(files, 'practices-feb-2024.csv'), PRACTICE_HEADER, practiceRows(1260, 5))
  })

  it('--force reloads every period, and --dry-run writes nothing', async () => {
    const dry = await run('--dry-run', '--force', '--pub', 'workforce')
    expect(dry.code, dry.stdout).toBe(0)
    expect(dry.stdout).toContain('planned 2')
    const forced = await run('--force', '--pub', 'workforce')
    expect(forced.code, forced.stdout).toBe(0)
    expect(forced.stdout).toContain('2 periods loaded')
    const n = await query<{ n: string }>(db.url, `SELECT count(*) n FROM workforce.table_1`)
    expect(Number(n[0]!.n)).toBe(85)
  })
})

describe.runIf(existsSync(CORPUS))('real NHS files from the corpus', () => {
  it('loads two periods of patients registered at a GP practice with every row', async () => {
    ensureBuilt()
    const root = mkdtempSync(join(tmpdir(), 'datawarp-corpus-'))
    const server = await new FileServer(join(CORPUS, 'gp_registered_patients')).start()
    const db = await createTestDatabase()
    try {
      mkdirSync(join(root, 'config'))
      writeFileSync(
        join(root, 'config', 'publications.yaml'),
        `settings:
  contract: evolve
publications:
  gp_registered_patients:
    name: Patients Registered at a GP Practice
    urls:
      - { period: 2025-10, url: "${server.fileUrl('PracPopOct.csv')}" }
      - { period: 2025-11, url: "${server.fileUrl('PracPopNov.csv')}" }
`,
      )
      const result = await runCli(['run'], { cwd: root, env: { DATABASE_URL: db.url } })
      expect(result.code, result.stdout).toBe(0)
      const lines = (name: string) =>
        readFileSync(join(CORPUS, 'gp_registered_patients', name), 'utf8')
          .trim()
          .split(/\r?\n/).length - 1
      const counts = await query<{ period: string; n: string }>(
        db.url,
        'SELECT _period period, count(*) n FROM gp_registered_patients.prac_pop GROUP BY 1 ORDER BY 1',
      )
      expect(counts.map((c) => Number(c.n))).toEqual([lines('PracPopOct.csv'), lines('PracPopNov.csv')])
    } finally {
      await server.stop()
      await db.drop()
      rmSync(root, { recursive: true, force: true })
    }
  })
})
