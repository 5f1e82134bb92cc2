import { execFileSync } from 'node:child_process'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import type { SourceBinding } from '../manifest/index.js'
import type { CanonicalManifest, Source } from '../model/manifest.js'
import type { ExtractedTable, TableRow } from '../model/table.js'
import { columnComment, commentSources, tableComment } from './comments.js'
import { loadPeriod, type PeriodTable } from './load-period.js'
import { refreshSourceText } from './source-text.js'

/** Text a publication (or an LLM) could write: quotes, backslashes, dollar quoting, a NUL. */
const AWKWARD = `It's "quoted" \\ back\\slashed $$ dollar $tag$ quoted $$; DROP TABLE x; --`
const LONG = 'Long description. '.repeat(6000)

const SOURCE: Source = {
  key: 'activity',
  table: 'activity',
  title: 'A&E attendances by provider',
  description: AWKWARD,
  descriptionSource: 'publisher',
  match: { file: 'activity_*.csv' },
  schema: {
    fields: [
      {
        name: 'org_code',
        title: 'Organisation code',
        type: 'string',
        description: 'ODS code of the provider',
        role: 'dimension',
      },
      {
        name: 'attendances',
        title: 'Attendances',
        type: 'integer',
        description: LONG,
        unit: 'count',
        role: 'measure',
      },
      { name: 'note', title: 'Note', type: 'string', description: 'Note' },
    ],
  },
}
const MANIFEST: CanonicalManifest = { publication: 'ae', name: "A&E 'weekly' activity", sources: [SOURCE] }

function periodTable(source: Source): PeriodTable {
  const rows: TableRow[] = [{ position: 2, cells: ['R1', 5, null] }]
  const table: ExtractedTable = {
    file: 'activity.csv',
    headers: ['Org Code', 'Attendances', 'Note'],
    headerRows: [1],
    async *batches() {
      yield rows
    },
    async *rows() {
      yield* rows
    },
  }
  const binding = { source, columns: ['org_code', 'attendances', 'note'] } as unknown as SourceBinding
  return {
    binding,
    table,
    file: { url: 'http://x/activity.csv', name: 'activity.csv', sha256: 'x', bytes: 1 },
  }
}

const load = (pool: pg.Pool, period: string, manifest: CanonicalManifest) =>
  loadPeriod(pool, {
    runId: 'run',
    publication: { code: 'ae', name: manifest.name },
    period,
    manifest,
    manifestHash: 'h',
    tables: [periodTable(manifest.sources[0]!)],
  })

describe('comment text', () => {
  it('a table says its title, its description and its publication', () => {
    expect(tableComment(SOURCE, 'A&E')).toBe(`A&E attendances by provider\n${AWKWARD}\nPublication: A&E.`)
  })

  it('a table without a title is named by its key; a description that repeats the title is left out', () => {
    const bare = { ...SOURCE, title: undefined, description: 'activity' }
    expect(tableComment(bare, 'A&E')).toBe('activity\nPublication: A&E.')
  })

  it('a column says its title, its description and its unit', () => {
    expect(
      columnComment({ name: 'n', title: 'Attendances', type: 'integer', description: 'Seen', unit: 'count' }),
    ).toBe('Attendances — Seen (unit: count)')
    expect(columnComment({ name: 'n', title: 'Note', type: 'string', description: ' Note ' })).toBe('Note')
  })

  it('a retired column says since when it is not published', () => {
    expect(columnComment({ name: 'n', title: 'Old', type: 'string', retiredSince: '2024-05' })).toBe(
      'Old Not published since 2024-05.',
    )
  })

  it('drops a NUL, which PostgreSQL text cannot hold', () => {
    expect(columnComment({ name: 'n', title: 'A\u0000B', type: 'string' })).toBe('AB')
  })
})

describe('table and column comments in PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let pool: pg.Pool
  const comments = async () =>
    (
      await pool.query<{
        table: string | null
        org_code: string | null
        attendances: string | null
        period: string | null
      }>(
        `SELECT obj_description('ae.activity'::regclass, 'pg_class') AS table,
                col_description('ae.activity'::regclass, 1) AS org_code,
                col_description('ae.activity'::regclass, 2) AS attendances,
                col_description('ae.activity'::regclass, 4) AS period`,
      )
    ).rows[0]!

  beforeAll(async () => {
    db = await openLedgerDatabase()
    pool = db.pool
    await load(pool, '2024-01', MANIFEST)
  })
  afterAll(() => db.close())

  it('a load comments the (partitioned) table and its columns, text kept exactly: quotes, backslashes, $$, long text', async () => {
    expect(await comments()).toEqual({
      table: `A&E attendances by provider\n${AWKWARD}\nPublication: A&E 'weekly' activity.`,
      org_code: 'Organisation code — ODS code of the provider',
      attendances: `Attendances — ${LONG.trim()} (unit: count)`,
      period: 'Lineage: the period the row was published for',
    })
    const kind = await pool.query(`SELECT relkind FROM pg_class WHERE oid = 'ae.activity'::regclass`)
    expect(kind.rows).toEqual([{ relkind: 'p' }])
    // The injection attempt inside the text stayed text.
    expect((await pool.query(`SELECT to_regclass('x') AS x`)).rows).toEqual([{ x: null }])
  })

  it('comments that already match are not written again', async () => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      expect(await commentSources(client, 'ae', MANIFEST, ['activity'])).toBe(0)
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
  })

  it('`\\d+` in psql shows the descriptions', async () => {
    let psql: string
    try {
      psql = execFileSync('psql', [db.url, '-X', '-c', '\\d+ ae.activity'], { encoding: 'utf8' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // no psql client on this machine
      throw error
    }
    expect(psql).toContain('Organisation code — ODS code of the provider')
    expect(psql).toContain('Lineage: the load that wrote the row')
    expect(psql).toMatch(/Partitioned table "ae\.activity"/)
    const tableLevel = execFileSync('psql', [db.url, '-X', '-c', '\\dt+ ae.activity'], { encoding: 'utf8' })
    expect(tableLevel).toContain('A&E attendances by provider')
  })

  it('a text-only change to the manifest reaches the comments and datawarp.sources without a load', async () => {
    const before = await pool.query(`SELECT updated_at FROM datawarp.sources WHERE source_key = 'activity'`)
    const reviewed: CanonicalManifest = {
      ...MANIFEST,
      sources: [
        {
          ...SOURCE,
          title: 'Attendances at A&E, by provider',
          description: undefined,
          descriptionSource: undefined,
          schema: {
            fields: SOURCE.schema.fields.map((f) =>
              f.name === 'org_code'
                ? { ...f, description: 'The provider’s ODS code', descriptionSource: 'reviewer' as const }
                : f,
            ),
          },
        },
      ],
    }
    const refreshed = await refreshSourceText(pool, reviewed)
    expect(refreshed).toEqual({ sources: ['activity'], comments: 2 })
    const now = await comments()
    expect(now.table).toBe(`Attendances at A&E, by provider\nPublication: A&E 'weekly' activity.`)
    expect(now.org_code).toBe('Organisation code — The provider’s ODS code')
    const stored = await pool.query(
      `SELECT title, description, description_source, fields->0 AS org_code, updated_at FROM datawarp.sources`,
    )
    expect(stored.rows[0]).toMatchObject({
      title: 'Attendances at A&E, by provider',
      description: null,
      description_source: null,
      org_code: {
        name: 'org_code',
        type: 'string',
        title: 'Organisation code',
        description: 'The provider’s ODS code',
        descriptionSource: 'reviewer',
        role: 'dimension',
      },
    })
    expect(stored.rows[0].updated_at.getTime()).toBeGreaterThan(before.rows[0].updated_at.getTime())
    // Nothing to do the second time: datawarp.sources is not touched, so the exports stay current.
    expect(await refreshSourceText(pool, reviewed)).toEqual({ sources: [], comments: 0 })
    const after = await pool.query(`SELECT updated_at FROM datawarp.sources`)
    expect(after.rows[0].updated_at).toEqual(stored.rows[0].updated_at)
  })

  it('a later load keeps the comments in step with the manifest it loads under', async () => {
    const next = { ...MANIFEST, sources: [{ ...SOURCE, title: 'Renamed again' }] }
    await load(pool, '2024-02', next)
    expect((await comments()).table).toMatch(/^Renamed again\n/)
    // The new period's partition carries no comments of its own: \d+ and queries name the parent.
    const part = await pool.query(`SELECT obj_description('ae.activity_p2024_02'::regclass, 'pg_class') AS c`)
    expect(part.rows).toEqual([{ c: null }])
  })
})
