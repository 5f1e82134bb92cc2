import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import type { SourceBinding } from '../manifest/index.js'
import type { CanonicalManifest, Source } from '../model/manifest.js'
import type { CellValue, ExtractedTable, TableRow } from '../model/table.js'
import { loadPeriod, type PeriodTable } from './load-period.js'
import { partitionName } from './partitions.js'

const SOURCE: Source = {
  key: 'activity',
  table: 'activity',
  match: { file: 'activity_*.csv' },
  schema: {
    fields: [
      { name: 'org_code', title: 'Org Code', type: 'string' },
      { name: 'attendances', title: 'Attendances', type: 'integer' },
    ],
  },
}
const MANIFEST: CanonicalManifest = { publication: 'ae', name: 'A&E', sources: [SOURCE] }

function table(rows: CellValue[][]): ExtractedTable {
  const tableRows: TableRow[] = rows.map((cells, i) => ({ position: i + 2, cells }))
  return {
    file: 'activity.csv',
    headers: ['Org Code', 'Attendances'],
    headerRows: [1],
    async *batches() {
      yield tableRows
    },
    async *rows() {
      yield* tableRows
    },
  }
}

function periodTable(rows: CellValue[][], file = 'activity.csv'): PeriodTable {
  const binding = { source: SOURCE, columns: ['org_code', 'attendances'] } as unknown as SourceBinding
  return { binding, table: table(rows), file: { url: `http://x/${file}`, name: file, sha256: 'x', bytes: 1 } }
}

const load = (pool: pg.Pool, period: string, tables: PeriodTable[]) =>
  loadPeriod(pool, {
    runId: 'run',
    publication: { code: 'ae', name: 'A&E' },
    period,
    manifest: MANIFEST,
    manifestHash: 'h',
    tables,
  })

describe('loading a period', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let pool: pg.Pool
  const rows = async (sql: string) => (await pool.query(sql)).rows

  beforeAll(async () => {
    db = await openLedgerDatabase()
    pool = db.pool
  })
  afterAll(() => db.close())

  it('puts each period in a partition of its own, named after the table and the period', async () => {
    await load(pool, '2024-02', [periodTable([['R1', 5]])])
    await load(pool, '2024-01', [periodTable([['R1', 3]]), periodTable([['R2', 4]], 'activity_b.csv')])
    const parts = await rows(
      `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ae.activity'::regclass ORDER BY 1`,
    )
    expect(parts).toEqual([
      { relname: 'activity_p2024_01', bound: "FOR VALUES IN ('2024-01')" },
      { relname: 'activity_p2024_02', bound: "FOR VALUES IN ('2024-02')" },
    ])
    expect(await rows(`SELECT org_code, _period, _source_file FROM ae.activity ORDER BY 1, 2`)).toEqual([
      { org_code: 'R1', _period: '2024-01', _source_file: 'activity.csv' },
      { org_code: 'R1', _period: '2024-02', _source_file: 'activity.csv' },
      { org_code: 'R2', _period: '2024-01', _source_file: 'activity_b.csv' },
    ])
  })

  it("a query for one period reads only that period's partition", async () => {
    const plan = await rows(`EXPLAIN (FORMAT JSON) SELECT * FROM ae.activity WHERE _period = '2024-01'`)
    const text = JSON.stringify(plan)
    expect(text).toContain('activity_p2024_01')
    expect(text).not.toContain('activity_p2024_02')
  })

  it('replaces a republished period inside its partition, leaving the other periods alone', async () => {
    await load(pool, '2024-01', [periodTable([['R9', 9]])])
    expect(await rows(`SELECT org_code, attendances::int, _period FROM ae.activity ORDER BY 3, 1`)).toEqual([
      { org_code: 'R9', attendances: 9, _period: '2024-01' },
      { org_code: 'R1', attendances: 5, _period: '2024-02' },
    ])
  })

  it('a republished period gets a new partition of the same name, with statistics, instead of dead rows', async () => {
    const oid = async () =>
      (
        await rows(`SELECT 'ae.activity_p2024_01'::regclass::oid AS oid, reltuples FROM pg_class
                    WHERE oid = 'ae.activity_p2024_01'::regclass`)
      )[0]!
    const before = await oid()
    await load(pool, '2024-01', [periodTable([['R7', 7]]), periodTable([['R8', 8]], 'activity_b.csv')])
    const after = await oid()
    expect(after.oid).not.toBe(before.oid)
    // ANALYZEd with the load: a table never analyzed has reltuples -1.
    expect(after.reltuples).toBe(2)
    expect(await rows(`SELECT org_code FROM ae.activity WHERE _period = '2024-01' ORDER BY 1`)).toEqual([
      { org_code: 'R7' },
      { org_code: 'R8' },
    ])
    expect(await rows(`SELECT relname FROM pg_class WHERE relname LIKE '\\_datawarp\\_new%'`)).toEqual([])
  })

  it('a republication that fails leaves the period as it was', async () => {
    await expect(load(pool, '2024-01', [periodTable([['R1', 'not a number']])])).rejects.toThrow(
      /not an integer/,
    )
    expect(await rows(`SELECT org_code FROM ae.activity WHERE _period = '2024-01' ORDER BY 1`)).toEqual([
      { org_code: 'R7' },
      { org_code: 'R8' },
    ])
  })

  it('leaves no partition behind when the load fails', async () => {
    await expect(load(pool, '2024-03', [periodTable([['R1', 'not a number']])])).rejects.toThrow(
      /not an integer/,
    )
    expect(await rows(`SELECT to_regclass('ae.activity_p2024_03') AS t`)).toEqual([{ t: null }])
  })

  it('refuses a NUL character before the database, naming the file, row and column', async () => {
    const error = await load(pool, '2024-04', [
      periodTable([
        ['R1', 1],
        ['R\u00002', 2],
      ]),
    ]).catch((e) => e)
    expect(error.message).toMatch(/a NUL character \(byte 0x00\).*field "org_code"/)
    expect(error.where).toMatchObject({ file: 'activity.csv', row: 3, column: 'Org Code' })
  })

  it("reads the manifest's own missing-value markers as NULL", async () => {
    const manifest = {
      ...MANIFEST,
      sources: [{ ...SOURCE, schema: { ...SOURCE.schema, missingValues: ['not known'] } }],
    }
    await loadPeriod(pool, {
      runId: 'run',
      publication: { code: 'ae', name: 'A&E' },
      period: '2024-04',
      manifest,
      manifestHash: 'h',
      tables: [
        periodTable([
          ['R1', 'not known'],
          ['R2', '#DIV/0!'],
        ]),
      ],
    })
    expect(
      await rows(`SELECT org_code, attendances FROM ae.activity WHERE _period = '2024-04' ORDER BY 1`),
    ).toEqual([
      { org_code: 'R1', attendances: null },
      { org_code: 'R2', attendances: null },
    ])
  })

  it('still loads into a plain table made by an earlier version', async () => {
    await pool.query(`DROP TABLE ae.activity`)
    await pool.query(
      `CREATE TABLE ae.activity (org_code text, attendances bigint, _period text NOT NULL, _load_id bigint NOT NULL,
         _source_file text NOT NULL, _loaded_at timestamptz NOT NULL)`,
    )
    await load(pool, '2024-01', [periodTable([['R1', 1]])])
    await load(pool, '2024-01', [periodTable([['R2', 2]])])
    expect(await rows(`SELECT org_code, _period FROM ae.activity`)).toEqual([
      { org_code: 'R2', _period: '2024-01' },
    ])
  })
})

describe('a column typed by its first values', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let pool: pg.Pool
  beforeAll(async () => {
    db = await openLedgerDatabase()
    pool = db.pool
  })
  afterAll(() => db.close())

  const untyped: Source = {
    ...SOURCE,
    schema: {
      fields: [
        SOURCE.schema.fields[0]!,
        { name: 'attendances', title: 'Attendances', type: 'string', untyped: true },
      ],
    },
  }
  const typed: Source = SOURCE
  const loadAs = (source: Source, period: string, rows: CellValue[][]) =>
    loadPeriod(pool, {
      runId: 'run',
      publication: { code: 'ae', name: 'A&E' },
      period,
      manifest: { ...MANIFEST, sources: [source] },
      manifestHash: 'h',
      tables: [
        {
          ...periodTable(rows),
          binding: { source, columns: ['org_code', 'attendances'] } as unknown as SourceBinding,
        },
      ],
    })

  it('becomes its type in place: the markers an earlier period stored as text become NULL', async () => {
    await loadAs(untyped, '2024-04', [
      ['R1', '-'],
      ['R2', null],
      ['R3', ' * '],
    ])
    const result = await loadAs(typed, '2024-05', [['R1', 12]])
    expect(result.schemaChanges).toContain('changed activity.attendances from string to integer')
    expect(
      (await pool.query('SELECT org_code, attendances, _period FROM ae.activity ORDER BY _period, org_code'))
        .rows,
    ).toEqual([
      { org_code: 'R1', attendances: null, _period: '2024-04' },
      { org_code: 'R2', attendances: null, _period: '2024-04' },
      { org_code: 'R3', attendances: null, _period: '2024-04' },
      { org_code: 'R1', attendances: '12', _period: '2024-05' },
    ])
  })

  it('is refused, naming the values, when a loaded period holds text that is no marker', async () => {
    await pool.query('DROP TABLE ae.activity')
    await loadAs(untyped, '2024-04', [['R1', 'closed']])
    await expect(loadAs(typed, '2024-05', [['R1', 12]])).rejects.toThrow(
      'column activity.attendances cannot become integer: loaded periods hold values such as "closed"',
    )
    // Nothing changed: the failed load rolled back.
    expect((await pool.query('SELECT attendances FROM ae.activity')).rows).toEqual([
      { attendances: 'closed' },
    ])
  })
})

describe('physical names of a loaded source never change', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let pool: pg.Pool
  beforeAll(async () => {
    db = await openLedgerDatabase()
    pool = db.pool
    await load(pool, '2024-01', [periodTable([['R1', 1]])])
  })
  afterAll(() => db.close())

  const loadWith = (source: Source) => {
    const binding = { source, columns: source.schema.fields.map((f) => f.name) } as unknown as SourceBinding
    return loadPeriod(pool, {
      runId: 'run',
      publication: { code: 'ae', name: 'A&E' },
      period: '2024-02',
      manifest: { ...MANIFEST, sources: [source] },
      manifestHash: 'h2',
      tables: [{ ...periodTable([['R1', 2]]), binding }],
    })
  }

  it('a changed table of a loaded source is refused, naming both tables; no orphan copy is made', async () => {
    await expect(loadWith({ ...SOURCE, table: 'activity_renamed' })).rejects.toThrow(
      /source "activity" was loaded into table ae\.activity; the manifest now says "activity_renamed"/,
    )
    const tables = await pool.query(
      `SELECT 1 FROM information_schema.tables WHERE table_name = 'activity_renamed'`,
    )
    expect(tables.rows).toHaveLength(0)
  })

  it('a changed field name of a loaded source is refused, naming the field', async () => {
    const renamed = {
      ...SOURCE,
      schema: {
        fields: [
          SOURCE.schema.fields[0]!,
          { name: 'attendance_count', title: 'Attendances', type: 'integer' as const },
        ],
      },
    }
    await expect(loadWith(renamed)).rejects.toThrow(/field "attendances" of source "activity" was loaded/)
    const columns = await pool.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'activity' AND column_name = 'attendance_count'`,
    )
    expect(columns.rows).toHaveLength(0)
  })
})

describe('partition names', () => {
  it('are the table name and the period in lower case', () => {
    expect(partitionName('activity', 'FY2024-25')).toBe('activity_pfy2024_25')
    expect(partitionName('activity', '2024-Q1')).toBe('activity_p2024_q1')
  })

  it('stay within 63 bytes and apart for long table names that share a beginning', () => {
    const a = partitionName(`${'x'.repeat(60)}_a`, '2024-01')
    const b = partitionName(`${'x'.repeat(60)}_b`, '2024-01')
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63)
    expect(a).toMatch(/_p2024_01$/)
    expect(a).not.toBe(b)
  })
})
