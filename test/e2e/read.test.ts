import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  openExportsReader,
  openPostgresReader,
  QueryRefusedError,
  type Reader,
  UnknownSourceError,
} from '../../src/read/index.js'
import { writeCsv } from '../support/fixtures.js'
import { dropReaderRoleIn, type LoadedProject, loadedProject } from '../support/loaded-project.js'

/** A small generated publication: practice-level online consultation submissions for two months. */
function submissions(month: number): (string | number)[][] {
  return Array.from({ length: 40 }, (_, i) => [
    `P${String(i).padStart(5, '0')}`,
    i % 2 === 0 ? 'North' : 'South',
    ((i + 1) * 37 * month) % 1000,
  ])
}
const HEADER = ['Practice Code', 'Region', 'Online Consultation Submissions']
const expectedTotal = (month: number) => submissions(month).reduce((sum, row) => sum + Number(row[2]), 0)

let fixtureDir: string
let project: LoadedProject
let admin: pg.Pool
let role: string
const readers: Record<string, Reader> = {}

beforeAll(async () => {
  fixtureDir = mkdtempSync(join(tmpdir(), 'datawarp-read-fixture-'))
  writeCsv(join(fixtureDir, 'OC_Submissions_Jan24.csv'), HEADER, submissions(1))
  writeCsv(join(fixtureDir, 'OC_Submissions_Feb24.csv'), HEADER, submissions(2))
  project = await loadedProject(fixtureDir, 'online_consultations', [
    ['2024-01', 'OC_Submissions_Jan24.csv'],
    ['2024-02', 'OC_Submissions_Feb24.csv'],
  ])
  admin = new pg.Pool({ connectionString: project.databaseUrl })
  role = `dw_reader_${new URL(project.databaseUrl).pathname.slice(1)}`
  readers.postgres = await openPostgresReader({ adminPool: admin, root: project.root, readerRole: role })
  readers.parquet = await openExportsReader(project.exportsDir, { root: project.root })
}, 120_000)

afterAll(async () => {
  for (const reader of Object.values(readers)) await reader.close()
  await admin?.end()
  if (project) await dropReaderRoleIn(project.databaseUrl, role)
  await project?.stop()
  rmSync(fixtureDir, { recursive: true, force: true })
})

describe.each(['postgres', 'parquet'])('the %s reader', (backend) => {
  const reader = () => readers[backend]!

  it('lists the publication with both periods and when each was loaded', async () => {
    const [publication] = await reader().publications()
    expect(publication?.code).toBe('online_consultations')
    expect(publication?.periods.map((p) => [p.period, p.rows])).toEqual([
      ['2024-01', 40],
      ['2024-02', 40],
    ])
    for (const p of publication!.periods)
      expect(Date.parse(p.loadedAt!)).toBeGreaterThan(Date.now() - 3_600_000)
  })

  it('finds the source by words of its column titles, ranked first', async () => {
    const hits = await reader().search('online consultation submissions')
    expect(hits[0]?.sourceCode).toMatch(/^online_consultations__/)
    expect(hits[0]?.line).toContain('80 rows')
    expect(await reader().search('zebra crossings')).toEqual([])
  })

  it('describes a source: columns, periods with rows, the table, the manifest entry and sample rows', async () => {
    const [entry] = await reader().catalog()
    const described = await reader().describe(entry!.sourceCode)
    expect(described.table).toBe(entry!.table)
    expect(described.periods).toEqual([
      { period: '2024-01', rows: 40 },
      { period: '2024-02', rows: 40 },
    ])
    const column = described.columns.find((c) => c.title === 'Online Consultation Submissions')
    expect(column).toMatchObject({ type: 'integer', firstPeriod: '2024-01', lastPeriod: '2024-02' })
    expect(described.manifestText).toContain(`table: ${entry!.table.split('.')[1]!.replaceAll('"', '')}`)
    expect(described.sample.rowCount).toBe(3)
    expect(described.sample.columns.map((c) => c.name)).toContain(column!.name)
    // Every description says where it came from (the manifest's rule: a reviewer's when it does not say).
    for (const d of [described, ...described.columns]) {
      if (d.description === null) expect(d.descriptionSource).toBeNull()
      else expect(['publisher', 'derived', 'llm', 'reviewer']).toContain(d.descriptionSource)
    }
    // The offline rules wrote the source's description; no column's text would say more than its header.
    expect(described.descriptionSource).toBe('derived')
    await expect(reader().describe('nope__nothing')).rejects.toBeInstanceOf(UnknownSourceError)
  })

  it('answers the national total of the latest period, computed from the file', async () => {
    const [entry] = await reader().catalog()
    const column = entry!.columns.find((c) => c.title === 'Online Consultation Submissions')!.name
    const result = await reader().query({
      sql: `SELECT _period, sum(${column}) AS total FROM ${entry!.table} GROUP BY _period ORDER BY _period DESC LIMIT 1`,
    })
    expect(result.rows).toEqual([['2024-02', expectedTotal(2)]])
    expect(result).toMatchObject({ rowCount: 1, truncated: false, totalRows: 1, nextCursor: null })
  })

  it('says when a result is cut, gives the total, and pages to the end with the cursor', async () => {
    const [entry] = await reader().catalog()
    const sql = `SELECT "_period", "_source_file" FROM ${entry!.table} ORDER BY 1, 2`
    const first = await reader().query({ sql, maxRows: 30 })
    expect(first).toMatchObject({
      rowCount: 30,
      truncated: true,
      truncatedBy: 'rows',
      totalRows: 80,
      offset: 0,
    })
    const second = await reader().query({ sql, maxRows: 30, cursor: first.nextCursor! })
    expect(second).toMatchObject({ rowCount: 30, offset: 30, truncated: true })
    const third = await reader().query({ sql, maxRows: 30, cursor: second.nextCursor! })
    expect(third).toMatchObject({
      rowCount: 20,
      offset: 60,
      truncated: false,
      totalRows: 80,
      nextCursor: null,
    })
    await expect(reader().query({ sql: 'SELECT 1', cursor: first.nextCursor! })).rejects.toThrow(
      /another statement/,
    )
  })

  it('refuses a second statement with a clear error', async () => {
    await expect(reader().query({ sql: 'SELECT 1; SELECT 2' })).rejects.toBeInstanceOf(QueryRefusedError)
  })
})

describe('the PostgreSQL reader, as publications arrive', () => {
  it('reads a publication loaded after it started, granting its schema then', async () => {
    await admin.query(`CREATE SCHEMA late_pub;
      CREATE TABLE late_pub.things (name text, _period text, _load_id bigint, _source_file text, _loaded_at timestamptz);
      INSERT INTO late_pub.things VALUES ('a', '2024-03', 1, 'f.csv', now());
      INSERT INTO datawarp.sources VALUES ('late_pub', 'things', 'Late', 'late_pub', 'things', 'Things', NULL,
        '[{"name": "name", "title": "Name", "type": "string"}]', now())`)
    const described = await readers.postgres!.describe('late_pub__things')
    expect(described.sample.rows).toEqual([])
    const result = await readers.postgres!.query({ sql: 'SELECT name FROM late_pub.things' })
    expect(result.rows).toEqual([['a']])
  })
})
