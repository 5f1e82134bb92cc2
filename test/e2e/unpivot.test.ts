import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunSummary } from '../../src/pipeline/index.js'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase, query as queryDatabase } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { writeXlsx } from '../support/spreadsheets.js'

/**
 * A wide table (a column per month) loaded long because its canonical source says `unpivot: true`: the
 * built CLI, a workbook served over HTTP, a real PostgreSQL.
 */

const CODE = 'online_consultation'

let root: string
let server: FileServer
let db: { url: string; drop: () => Promise<void> }

const query = <T extends pg.QueryResultRow>(sql: string) => queryDatabase<T>(db.url, sql)

beforeAll(async () => {
  ensureBuilt()
  root = mkdtempSync(join(tmpdir(), 'datawarp-unpivot-'))
  chmodSync(root, 0o755)
  const served = join(root, 'served')
  mkdirSync(served)
  mkdirSync(join(root, 'config'))
  mkdirSync(join(root, 'manifests', 'canonical', CODE), { recursive: true })
  server = await new FileServer(served).start()
  db = await createTestDatabase()
  await writeXlsx(join(served, 'Submissions - May 2024.xlsx'), [
    {
      name: 'Table 1',
      rows: [
        [10, ['Table 1: Summary of availability and usage of Online Consultation Systems, England']],
        [11, [null, null, 'May-24', 'Apr-24', 'Mar-24 [7]']],
        [12, ['Coverage', 'Open active practices', 6219, 6221, 6229]],
        [13, [null, 'Practices with a system', 5556, 'c', 5509]],
        [15, ['Source: NHS England']],
      ],
    },
  ])
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `publications:
  ${CODE}:
    name: Online Consultation Submissions
    contract: evolve
    urls:
      - { period: 2024-05, url: "${server.fileUrl('Submissions - May 2024.xlsx')}" }
`,
  )
  // The reviewer set the source to load long: one row per (row, month).
  writeFileSync(
    join(root, 'manifests', 'canonical', CODE, `${CODE}_canonical.yaml`),
    `publication: ${CODE}
name: Online Consultation Submissions
sources:
  - key: table_1
    table: table_1
    match: { file: "Submissions - * *.xlsx", sheet: Table 1 }
    unpivot: true
    schema:
      fields:
        - { name: period, title: Period, type: string }
        - { name: value, title: Value, type: integer }
`,
  )
})

afterAll(async () => {
  await server?.stop()
  await db?.drop()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('a source set to unpivot', () => {
  it('loads a row per month, with the month in a Period column', async () => {
    const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout) as RunSummary
    const [outcome] = summary.publications[0]!.periods
    expect(outcome).toMatchObject({ period: '2024-05', status: 'loaded', rows: 6 })
    const rows = await query<{ period: string; value: string | null }>(
      `SELECT period, value FROM ${CODE}.table_1 ORDER BY _load_id, period`,
    )
    expect(rows.map((r) => `${r.period}=${r.value}`).sort()).toEqual(
      ['Apr-24=6221', 'Apr-24=null', 'Mar-24=5509', 'Mar-24=6229', 'May-24=5556', 'May-24=6219'].sort(),
    )
  })
})
