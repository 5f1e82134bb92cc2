import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, openLedgerDatabase } from '../../test/support/database.js'
import { LINEAGE_COLUMNS, quoteIdent, SQL_TYPE } from '../db/sql-types.js'
import { partitionName } from '../load/partitions.js'
import type { DescriptionSource, FieldType } from '../model/manifest.js'
import { type ExportResult, exportAll, exportedFilesOf, SOURCE_METADATA_KEY } from './index.js'
import { exportPeriod } from './source-export.js'

interface TestField {
  name: string
  title: string
  type: FieldType
  description?: string
  descriptionSource?: DescriptionSource
}

/** A field as the catalog and the file metadata describe it: a description that does not say is a reviewer's. */
const described = (f: TestField) => ({
  name: f.name,
  title: f.title,
  type: f.type,
  description: f.description ?? null,
  descriptionSource: f.descriptionSource ?? (f.description ? 'reviewer' : null),
})

interface TestSource {
  publication: string
  key: string
  table: string
  title: string | null
  description: string | null
  descriptionSource?: DescriptionSource
  fields: TestField[]
  /** Field values then _period, _load_id, _source_file, _loaded_at; text PostgreSQL casts. */
  rows: (string | number | boolean | null)[][]
  /** Leave the table out: the source is described but never loaded. */
  noTable?: boolean
  /** Partitioned by period as the load makes tables (otherwise a plain table, as earlier versions made). */
  partitioned?: boolean
}

async function createSource(pool: pg.Pool, source: TestSource): Promise<void> {
  const table = `${quoteIdent(source.publication)}.${quoteIdent(source.table)}`
  if (!source.noTable) {
    const columns = [
      ...source.fields.map((f) => `${quoteIdent(f.name)} ${SQL_TYPE[f.type]}`),
      ...LINEAGE_COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.sql}`),
    ]
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(source.publication)}`)
    const partitioning = source.partitioned ? ' PARTITION BY LIST ("_period")' : ''
    await pool.query(`CREATE TABLE ${table} (${columns.join(', ')})${partitioning}`)
    const periods = new Set(source.partitioned ? source.rows.map((r) => String(r[source.fields.length])) : [])
    for (const period of periods) {
      const partition = `${quoteIdent(source.publication)}.${quoteIdent(partitionName(source.table, period))}`
      await pool.query(`CREATE TABLE ${partition} PARTITION OF ${table} FOR VALUES IN ('${period}')`)
    }
    for (const row of source.rows) {
      await pool.query(`INSERT INTO ${table} VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row)
    }
  }
  await pool.query(
    `INSERT INTO datawarp.sources (publication, source_key, publication_name, table_schema, table_name, title,
       description, description_source, fields, updated_at)
     VALUES ($1, $2, $3, $1, $4, $5, $6, $7, $8, '2025-03-04 05:06:07.123456+00')`,
    [
      source.publication,
      source.key,
      `${source.publication} (name)`,
      source.table,
      source.title,
      source.description,
      source.descriptionSource ?? null,
      JSON.stringify(source.fields),
    ],
  )
}

const JAN_LOADED = '2024-02-02 08:00:00.5+00'
const FEB_LOADED = '2024-03-03 09:15:30.123457+00'

/** Every type, with NULLs, escapes, non-ASCII text and values at the edges of each type. */
const coverage: TestSource = {
  publication: 'gp_appointments',
  key: 'coverage',
  table: 'coverage',
  title: 'Coverage by practice',
  description: 'How many practices reported, by month',
  descriptionSource: 'derived',
  fields: [
    { name: 'row_no', title: 'Row', type: 'integer' },
    {
      name: 'practice_code',
      title: 'Practice code',
      type: 'string',
      description: 'ODS code of the practice',
      descriptionSource: 'publisher',
    },
    { name: 'appointments', title: 'Appointments', type: 'integer' },
    { name: 'rate', title: 'Rate (%)', type: 'number', description: 'Share of practices' },
    { name: 'is_active', title: 'Active?', type: 'boolean' },
    { name: 'report_date', title: 'Report date', type: 'date' },
    { name: 'extracted_at', title: 'Extracted', type: 'datetime' },
  ],
  // Inserted February first (its partition is made first): the export orders by period.
  partitioned: true,
  rows: [
    [
      4,
      'line1\nline2\r\nback\\slash',
      '-9223372036854775808',
      '0.0000000001',
      true,
      '2024-02-29',
      '2024-02-29 23:59:59.999999',
      '2024-02',
      12,
      'coverage feb.csv',
      FEB_LOADED,
    ],
    [
      5,
      'Ynys Môn – £5 😀 “quoted”',
      '0',
      '123456789.125',
      null,
      '1900-01-01',
      '1899-12-31 12:00:00',
      '2024-02',
      12,
      'coverage feb.csv',
      FEB_LOADED,
    ],
    [
      6,
      '\\N',
      '9223372036854775807',
      'NaN',
      true,
      '0044-03-15 BC',
      '0044-03-15 12:00:00.5 BC',
      '2024-02',
      12,
      'coverage feb.csv',
      FEB_LOADED,
    ],
    [
      7,
      '',
      '42',
      '12345678901234567890.5',
      false,
      '10000-01-01',
      '2262-04-11 23:47:16.854775',
      '2024-02',
      12,
      'coverage feb.csv',
      FEB_LOADED,
    ],
    [
      8,
      'bell\u0007 and \\x41 and \\101 and \t',
      '-1',
      '-123.4000000000000000',
      null,
      'infinity',
      '-infinity',
      '2024-02',
      12,
      'coverage feb.csv',
      FEB_LOADED,
    ],
    [
      1,
      'A81001',
      '9007199254740993',
      '0.026666667',
      true,
      '2024-01-31',
      '2024-02-01 09:30:00.123456',
      '2024-01',
      11,
      'coverage jan.csv',
      JAN_LOADED,
    ],
    [
      2,
      'tab\there',
      '-5',
      '-5',
      false,
      '1999-12-31',
      '1970-01-01 00:00:00',
      '2024-01',
      11,
      'coverage jan.csv',
      JAN_LOADED,
    ],
    [3, null, null, null, null, null, null, '2024-01', 11, 'coverage jan.csv', JAN_LOADED],
  ],
}

const REGIONS = [
  'London',
  'Midlands',
  'North East and Yorkshire',
  'North West',
  'South East',
  'South West',
  'East',
]

/** Enough rows for dictionaries to pay off and for several row groups at the default size. */
const national: TestSource = {
  publication: 'gp_appointments',
  key: 'national',
  table: 'national',
  title: 'National totals',
  description: null,
  fields: [
    { name: 'id', title: 'Id', type: 'integer' },
    { name: 'region', title: 'Region', type: 'string' },
    { name: 'code', title: 'Code', type: 'string' },
    { name: 'total', title: 'Total', type: 'integer' },
    { name: 'share', title: 'Share', type: 'number' },
    { name: 'day', title: 'Day', type: 'date' },
    { name: 'flag', title: 'Flag', type: 'boolean' },
  ],
  rows: Array.from({ length: 2500 }, (_, i) => [
    i,
    i % 97 === 0 ? null : (REGIONS[i % REGIONS.length] as string),
    `C${(i * 7919) % 100003}`,
    i % 11 === 0 ? null : i % 10,
    ((i % 8) / 4).toFixed(2),
    `2024-0${1 + (i % 3)}-1${i % 5}`,
    i % 3 === 0,
    `2023-${String(1 + (i % 12)).padStart(2, '0')}`,
    100 + (i % 12),
    `national ${i % 12}.csv`,
    '2025-01-01 00:00:00+00',
  ]),
}

const summary: TestSource = {
  publication: 'ae_waiting',
  key: 'summary',
  table: 'summary',
  title: 'A&E summary',
  description: 'Loaded, but with no rows yet',
  partitioned: true,
  fields: [
    { name: 'site', title: 'Site', type: 'string' },
    { name: 'attendances', title: 'Attendances', type: 'integer' },
    { name: 'seen_on', title: 'Seen on', type: 'date' },
  ],
  rows: [],
}

const notLoaded: TestSource = {
  publication: 'ae_waiting',
  key: 'not_loaded',
  table: 'not_loaded',
  title: 'Described but never loaded',
  description: null,
  fields: [{ name: 'site', title: 'Site', type: 'string' }],
  rows: [],
  noTable: true,
}

const DUCK_TYPE: Record<FieldType, string> = {
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  string: 'VARCHAR',
}

/** One comparable value per column: exact integers as text, dates as days, timestamps as microseconds. */
function pgCanonicalSql(source: TestSource): string {
  const exprs = source.fields.map((f) => {
    const c = quoteIdent(f.name)
    switch (f.type) {
      case 'integer':
        return `${c}::text`
      case 'number':
        return `${c}::float8`
      case 'date':
        return `CASE WHEN isfinite(${c}) THEN (${c} - date '1970-01-01')::text ELSE ${c}::text END`
      case 'datetime':
        return `CASE WHEN isfinite(${c}) THEN round(extract(epoch FROM ${c}) * 1000000)::bigint::text ELSE ${c}::text END`
      default:
        return c
    }
  })
  exprs.push(
    '_period',
    '_load_id::text',
    '_source_file',
    'round(extract(epoch FROM _loaded_at) * 1000000)::bigint::text',
  )
  const order = source.fields[0]?.name as string
  return `SELECT ${exprs.map((e, i) => `${e} AS c${i}`).join(', ')}
          FROM ${quoteIdent(source.publication)}.${quoteIdent(source.table)} ORDER BY ${quoteIdent(order)}`
}

function duckCanonicalSql(source: TestSource, path: string): string {
  const exprs = source.fields.map((f) => {
    const c = quoteIdent(f.name)
    switch (f.type) {
      case 'integer':
        return `CAST(${c} AS VARCHAR)`
      case 'date':
        return `CASE WHEN isfinite(${c}) THEN CAST(${c} - DATE '1970-01-01' AS VARCHAR) ELSE CAST(${c} AS VARCHAR) END`
      case 'datetime':
        return `CASE WHEN isfinite(${c}) THEN CAST(epoch_us(${c}) AS VARCHAR) ELSE CAST(${c} AS VARCHAR) END`
      default:
        return c
    }
  })
  exprs.push('_period', 'CAST(_load_id AS VARCHAR)', '_source_file', 'CAST(epoch_us(_loaded_at) AS VARCHAR)')
  const order = source.fields[0]?.name as string
  return `SELECT ${exprs.map((e, i) => `${e} AS c${i}`).join(', ')}
          FROM read_parquet('${path}') ORDER BY ${quoteIdent(order)}`
}

/** A source's folder of Parquet files in an exports folder. */
function folderOf(dir: string, source: Pick<TestSource, 'publication' | 'key'>): string {
  return join(dir, source.publication, source.key)
}

/** The DuckDB glob reading a source's files as one table. */
function globOf(dir: string, source: Pick<TestSource, 'publication' | 'key'>): string {
  return `${folderOf(dir, source)}/*.parquet`
}

/** Every row of the Parquet files in a folder, read by hyparquet one file after another (one dataset). */
async function hyparquetFolder(folder: string, options: { columns?: string[]; raw?: boolean } = {}) {
  const rows: Record<string, unknown>[] = []
  for (const name of readdirSync(folder)
    .filter((n) => n.endsWith('.parquet'))
    .sort()) {
    rows.push(
      ...((await parquetReadObjects({
        file: await asyncBufferFromFile(join(folder, name)),
        ...(options.columns ? { columns: options.columns } : {}),
        ...(options.raw
          ? {
              parsers: {
                timestampFromMicroseconds: (micros: bigint) => micros,
                dateFromDays: (days: number) => days,
              },
            }
          : {}),
      })) as Record<string, unknown>[]),
    )
  }
  return rows
}

/** hyparquet's values in the same canonical form (timestamps and dates read raw), from all of a source's files. */
async function hyparquetCanonical(source: TestSource, folder: string): Promise<unknown[][]> {
  const rows = await hyparquetFolder(folder, { raw: true })
  const names = [...source.fields.map((f) => f.name), '_period', '_load_id', '_source_file', '_loaded_at']
  const canonical = rows.map((row) =>
    names.map((name, i) => {
      const value = row[name]
      const type = source.fields[i]?.type
      if (value === null || value === undefined) return null
      if (type === 'date' && value === 2147483647) return 'infinity'
      if (type === 'datetime' && value === -9223372036854775807n) return '-infinity'
      if (typeof value === 'bigint' || type === 'date') return String(value)
      return value
    }),
  )
  return canonical.sort((a, b) => Number(a[0]) - Number(b[0]))
}

function duckRows(rows: Record<string, unknown>[]): unknown[][] {
  return rows.map((row) => Object.values(row))
}

let database: Awaited<ReturnType<typeof openLedgerDatabase>>
let pool: pg.Pool
let duck: DuckDBInstance
let duckdb: DuckDBConnection
let exportsDir: string
let first: ExportResult
const announced: string[] = []

async function duckQuery(sql: string): Promise<Record<string, unknown>[]> {
  return (await duckdb.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
}

beforeAll(async () => {
  database = await openLedgerDatabase()
  pool = database.pool
  for (const source of [coverage, national, summary, notLoaded]) await createSource(pool, source)
  duck = await DuckDBInstance.create(':memory:')
  duckdb = await duck.connect()

  exportsDir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
  // Left by earlier exports: a source that no longer exists, and one whose table is gone.
  writeFileSync(join(exportsDir, 'old_pub__gone.parquet'), 'stale')
  writeFileSync(join(exportsDir, 'ae_waiting__not_loaded.parquet'), 'stale')
  writeFileSync(join(exportsDir, 'README.txt'), 'not a parquet file')
  // The single file of the layout before, of a source still exported: replaced by its folder.
  writeFileSync(join(exportsDir, 'gp_appointments__coverage.parquet'), 'old layout')
  // A source folder of a publication gone; a file outside any source folder is left alone.
  mkdirSync(join(exportsDir, 'old_pub', 'gone'), { recursive: true })
  writeFileSync(join(exportsDir, 'old_pub', 'gone', '2024-01.parquet'), 'stale')
  mkdirSync(join(exportsDir, 'notes'), { recursive: true })
  writeFileSync(join(exportsDir, 'notes', 'keep.parquet'), 'not ours')
  // Row groups of 3 rows put row group and page boundaries everywhere in the small tables.
  first = await exportAll(pool, exportsDir, {
    rowGroupSize: 3,
    onSource: (s) => announced.push(s.sourceCode),
  })
})

afterAll(async () => {
  duckdb?.closeSync()
  duck?.closeSync()
  await database?.close()
  if (exportsDir) rmSync(exportsDir, { recursive: true, force: true })
})

describe('exportAll', () => {
  it('writes one folder per loaded source, <publication>/<source_key>/, one file per period, with its counts', () => {
    expect(first.sources.map((s) => s.sourceCode)).toEqual([
      'ae_waiting__summary',
      'gp_appointments__coverage',
      'gp_appointments__national',
    ])
    expect(announced).toEqual(first.sources.map((s) => s.sourceCode))
    const byCode = Object.fromEntries(first.sources.map((s) => [s.sourceCode, s]))
    expect(byCode.gp_appointments__coverage).toMatchObject({
      publication: 'gp_appointments',
      sourceKey: 'coverage',
      path: join(exportsDir, 'gp_appointments', 'coverage'),
      rows: 8,
      columns: 7,
      firstPeriod: '2024-01',
      lastPeriod: '2024-02',
    })
    expect(byCode.gp_appointments__coverage?.files.map((f) => [f.period, f.path, f.rows])).toEqual([
      ['2024-01', 'gp_appointments/coverage/2024-01.parquet', 3],
      ['2024-02', 'gp_appointments/coverage/2024-02.parquet', 5],
    ])
    expect(byCode.gp_appointments__national).toMatchObject({
      rows: 2500,
      firstPeriod: '2023-01',
      lastPeriod: '2023-12',
    })
    expect(byCode.ae_waiting__summary).toMatchObject({
      rows: 0,
      columns: 3,
      firstPeriod: null,
      lastPeriod: null,
    })
    for (const source of first.sources) {
      expect(source.written).toEqual(source.files.map((f) => f.path))
      expect(source.bytes).toBe(
        source.files.reduce((sum, f) => sum + statSync(join(exportsDir, f.path)).size, 0),
      )
      // The files on disk are the files the export lists.
      expect(exportedFilesOf(exportsDir, source.sourceCode)).toEqual(
        source.files.map(({ period, path, bytes }) => ({ period, path, bytes })),
      )
    }
    expect(readdirSync(join(exportsDir, 'gp_appointments', 'national')).length).toBe(12)
    expect(first.catalogPath).toBe(join(exportsDir, 'catalog.parquet'))
  })

  it('every source’s files read back in DuckDB as one table with the database’s counts, types and exact values', async () => {
    for (const source of [coverage, national]) {
      const path = globOf(exportsDir, source)
      const [{ n }] = (await duckQuery(`SELECT count(*) AS n FROM read_parquet('${path}')`)) as [
        { n: bigint },
      ]
      expect(n).toBe(BigInt(source.rows.length))
      const types = await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${path}')`)
      expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
        ...source.fields.map((f) => [f.name, DUCK_TYPE[f.type]]),
        ['_period', 'VARCHAR'],
        ['_load_id', 'BIGINT'],
        ['_source_file', 'VARCHAR'],
        ['_loaded_at', 'TIMESTAMP WITH TIME ZONE'],
      ])
      const expected = (await pool.query({ text: pgCanonicalSql(source), rowMode: 'array' })).rows
      const actual = duckRows(await duckQuery(duckCanonicalSql(source, path)))
      expect(actual).toEqual(expected)
    }
  })

  it('reads as the same table with DuckDB’s hive partitioning on or off: no folder adds or retypes a column', async () => {
    const path = globOf(exportsDir, national)
    const columns = async (hive: boolean) =>
      (await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${path}', hive_partitioning = ${hive})`)).map(
        (t) => `${t.column_name} ${t.column_type}`,
      )
    const off = await columns(false)
    expect(await columns(true)).toEqual(off)
    expect(off).toContain('_period VARCHAR')
    expect(off).toHaveLength(national.fields.length + 4)
    const periods = await duckQuery(
      `SELECT _period, count(*) AS n FROM read_parquet('${path}') WHERE _period >= '2023-11' GROUP BY 1 ORDER BY 1`,
    )
    expect(periods.map((p) => p._period)).toEqual(['2023-11', '2023-12'])
  })

  it('every source’s files read back in hyparquet with the exact values', async () => {
    for (const source of [coverage, national]) {
      const expected = (await pool.query({ text: pgCanonicalSql(source), rowMode: 'array' })).rows
      expect(await hyparquetCanonical(source, folderOf(exportsDir, source))).toEqual(expected)
    }
  })

  it('keeps text exactly, whatever it contains', async () => {
    const path = globOf(exportsDir, coverage)
    const rows = await duckQuery(`SELECT practice_code FROM read_parquet('${path}') ORDER BY row_no`)
    expect(rows.map((r) => r.practice_code)).toEqual([
      'A81001',
      'tab\there',
      null,
      'line1\nline2\r\nback\\slash',
      'Ynys Môn – £5 😀 “quoted”',
      '\\N',
      '',
      'bell\u0007 and \\x41 and \\101 and \t',
    ])
  })

  it('holds one period per file, and reads timestamps as hyparquet dates', async () => {
    const rows = await hyparquetFolder(folderOf(exportsDir, coverage), {
      columns: ['row_no', '_period', '_loaded_at'],
    })
    expect(rows.map((r) => r._period)).toEqual([
      '2024-01',
      '2024-01',
      '2024-01',
      '2024-02',
      '2024-02',
      '2024-02',
      '2024-02',
      '2024-02',
    ])
    expect(rows[0]?._loaded_at).toEqual(new Date('2024-02-02T08:00:00.500Z'))
  })

  it('describes each file: schema, row groups, statistics and the source metadata', async () => {
    const path = join(folderOf(exportsDir, coverage), '2024-01.parquet')
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path))
    expect(metadata.num_rows).toBe(3n)
    expect(metadata.row_groups.map((g) => g.num_rows)).toEqual([3n])
    const february = await parquetMetadataAsync(
      await asyncBufferFromFile(join(folderOf(exportsDir, coverage), '2024-02.parquet')),
    )
    expect(february.row_groups.map((g) => g.num_rows)).toEqual([3n, 2n])
    const elements = Object.fromEntries(metadata.schema.slice(1).map((e) => [e.name, e]))
    expect(elements.appointments).toMatchObject({ type: 'INT64', repetition_type: 'OPTIONAL' })
    expect(elements.rate).toMatchObject({ type: 'DOUBLE', repetition_type: 'OPTIONAL' })
    expect(elements.report_date).toMatchObject({ type: 'INT32', converted_type: 'DATE' })
    expect(elements.extracted_at).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
    })
    expect(elements.practice_code).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' })
    expect(elements._period).toMatchObject({ repetition_type: 'REQUIRED' })
    expect(elements._loaded_at).toMatchObject({
      repetition_type: 'REQUIRED',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
    })
    const period = metadata.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === '_period')
    expect(period?.meta_data?.statistics).toMatchObject({
      min_value: '2024-01',
      max_value: '2024-01',
      null_count: 0n,
    })

    const entry = metadata.key_value_metadata?.find((kv) => kv.key === SOURCE_METADATA_KEY)
    expect(JSON.parse(entry?.value ?? '{}')).toEqual({
      source_code: 'gp_appointments__coverage',
      publication: 'gp_appointments',
      publication_name: 'gp_appointments (name)',
      source_key: 'coverage',
      table_name: 'gp_appointments.coverage',
      title: 'Coverage by practice',
      description: 'How many practices reported, by month',
      description_source: 'derived',
      columns: coverage.fields.map(described),
    })
  })

  it('dictionary-encodes repetitive columns and keeps unique ones plain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await exportAll(pool, dir)
      const path = globOf(dir, national)
      const metadata = await parquetMetadataAsync(
        await asyncBufferFromFile(join(folderOf(dir, national), '2023-01.parquet')),
      )
      expect(metadata.row_groups).toHaveLength(1)
      const encodings = Object.fromEntries(
        metadata.row_groups[0]?.columns.map((c) => [
          c.meta_data?.path_in_schema[0],
          c.meta_data?.encodings,
        ]) ?? [],
      )
      for (const name of [
        'region',
        'total',
        'share',
        'day',
        '_period',
        '_load_id',
        '_source_file',
        '_loaded_at',
      ]) {
        expect(encodings[name], name).toContain('RLE_DICTIONARY')
      }
      for (const name of ['id', 'code']) expect(encodings[name], name).not.toContain('RLE_DICTIONARY')
      const expected = (await pool.query({ text: pgCanonicalSql(national), rowMode: 'array' })).rows
      expect(duckRows(await duckQuery(duckCanonicalSql(national, path)))).toEqual(expected)
      expect(await hyparquetCanonical(national, folderOf(dir, national))).toEqual(expected)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a source with zero rows exports one valid, readable file with the schema', async () => {
    expect(readdirSync(join(exportsDir, 'ae_waiting', 'summary'))).toEqual(['empty_source.parquet'])
    const path = join(exportsDir, 'ae_waiting', 'summary', 'empty_source.parquet')
    const [{ n }] = (await duckQuery(`SELECT count(*) AS n FROM read_parquet('${path}')`)) as [{ n: bigint }]
    expect(n).toBe(0n)
    const types = await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${path}')`)
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual([
      'site VARCHAR',
      'attendances BIGINT',
      'seen_on DATE',
      '_period VARCHAR',
      '_load_id BIGINT',
      '_source_file VARCHAR',
      '_loaded_at TIMESTAMP WITH TIME ZONE',
    ])
    const file = await asyncBufferFromFile(path)
    expect((await parquetMetadataAsync(file)).num_rows).toBe(0n)
    expect(await parquetReadObjects({ file })).toEqual([])
  })

  it('skips a source whose table does not exist: no file, no catalog row', async () => {
    expect(first.sources.map((s) => s.sourceCode)).not.toContain('ae_waiting__not_loaded')
    expect(existsSync(join(exportsDir, 'ae_waiting__not_loaded.parquet'))).toBe(false)
    expect(existsSync(join(exportsDir, 'ae_waiting', 'not_loaded'))).toBe(false)
    const codes = await duckQuery(`SELECT source_code FROM read_parquet('${first.catalogPath}')`)
    expect(codes.map((r) => r.source_code)).not.toContain('ae_waiting__not_loaded')
  })

  it('deletes stale parquet files that the new catalog does not list, and nothing else', () => {
    expect(first.removed).toEqual([
      join(exportsDir, 'ae_waiting__not_loaded.parquet'),
      join(exportsDir, 'gp_appointments__coverage.parquet'),
      join(exportsDir, 'old_pub', 'gone', '2024-01.parquet'),
      join(exportsDir, 'old_pub__gone.parquet'),
    ])
    expect(readdirSync(exportsDir).sort()).toEqual([
      'README.txt',
      'ae_waiting',
      'catalog.parquet',
      'datapackage.json',
      'gp_appointments',
      'notes',
    ])
    expect(readdirSync(join(exportsDir, 'gp_appointments')).sort()).toEqual(['coverage', 'national'])
    expect(readdirSync(join(exportsDir, 'notes'))).toEqual(['keep.parquet'])
  })

  it('the catalog lists every exported source with its counts, periods, columns and file', async () => {
    const rows = await duckQuery(`SELECT * FROM read_parquet('${first.catalogPath}') ORDER BY source_code`)
    expect(rows.map((r) => r.source_code)).toEqual([
      'ae_waiting__summary',
      'gp_appointments__coverage',
      'gp_appointments__national',
    ])
    const coverageRow = rows[1] as Record<string, unknown>
    expect(coverageRow).toEqual({
      source_code: 'gp_appointments__coverage',
      publication: 'gp_appointments',
      publication_name: 'gp_appointments (name)',
      source_key: 'coverage',
      table_name: 'gp_appointments.coverage',
      title: 'Coverage by practice',
      description: 'How many practices reported, by month',
      description_source: 'derived',
      row_count: 8n,
      column_count: 7n,
      first_period: '2024-01',
      last_period: '2024-02',
      columns: JSON.stringify(coverage.fields.map(described)),
      parquet_path: 'gp_appointments/coverage',
      parquet_files: expect.any(String),
      file_size_bytes: BigInt(
        statSync(join(exportsDir, 'gp_appointments/coverage/2024-01.parquet')).size +
          statSync(join(exportsDir, 'gp_appointments/coverage/2024-02.parquet')).size,
      ),
      updated_at: new Date('2025-03-04T05:06:07.123Z'),
      // No load in the ledger yet: load_id 0, then the source's updated_at in microseconds.
      load_mark: '0:1741064767123456',
    })
    expect(JSON.parse(String(coverageRow.parquet_files))).toEqual([
      {
        period: '2024-01',
        path: 'gp_appointments/coverage/2024-01.parquet',
        bytes: statSync(join(exportsDir, 'gp_appointments/coverage/2024-01.parquet')).size,
        rows: 3,
        mark: expect.stringMatching(/^0:[0-9a-f]{16}$/),
      },
      {
        period: '2024-02',
        path: 'gp_appointments/coverage/2024-02.parquet',
        bytes: statSync(join(exportsDir, 'gp_appointments/coverage/2024-02.parquet')).size,
        rows: 5,
        mark: expect.stringMatching(/^0:[0-9a-f]{16}$/),
      },
    ])
    expect(rows[0]).toMatchObject({ row_count: 0n, column_count: 3n, first_period: null, last_period: null })
    expect(rows[2]).toMatchObject({ row_count: 2500n, column_count: 7n, description: null })

    const types = await duckQuery(`DESCRIBE SELECT * FROM read_parquet('${first.catalogPath}')`)
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      row_count: 'BIGINT',
      column_count: 'BIGINT',
      file_size_bytes: 'BIGINT',
      columns: 'VARCHAR',
      updated_at: 'TIMESTAMP WITH TIME ZONE',
    })
    const [{ us }] = (await duckQuery(
      `SELECT epoch_us(updated_at) AS us FROM read_parquet('${first.catalogPath}') LIMIT 1`,
    )) as [{ us: bigint }]
    expect(us).toBe(1741064767123456n)

    const viaHyparquet = await parquetReadObjects({ file: await asyncBufferFromFile(first.catalogPath) })
    expect(viaHyparquet.map((r) => [r.source_code, r.row_count, r.parquet_path])).toEqual([
      ['ae_waiting__summary', 0n, 'ae_waiting/summary'],
      ['gp_appointments__coverage', 8n, 'gp_appointments/coverage'],
      ['gp_appointments__national', 2500n, 'gp_appointments/national'],
    ])
  })

  it('leaves no temporary files behind', () => {
    expect(
      readdirSync(exportsDir, { recursive: true }).filter((name) => String(name).endsWith('.tmp')),
    ).toEqual([])
  })
})

describe('exportAll with a publication selection', () => {
  it('re-exports only those publications (and sources with no file yet) but still catalogs every source', async () => {
    const nationalPath = join(folderOf(exportsDir, national), '2023-01.parquet')
    const nationalBefore = statSync(nationalPath).mtimeMs
    rmSync(folderOf(exportsDir, coverage), { recursive: true })
    writeFileSync(join(exportsDir, 'ae_waiting__retired.parquet'), 'stale')
    mkdirSync(join(exportsDir, 'ae_waiting', 'retired'))
    writeFileSync(join(exportsDir, 'ae_waiting', 'retired', '2024-01.parquet'), 'stale')
    writeFileSync(join(exportsDir, 'gp_appointments__retired.parquet'), 'stale, but not in the selection')
    await pool.query(
      `INSERT INTO gp_appointments.national (id, _period, _load_id, _source_file, _loaded_at)
       VALUES (9999, '2024-01', 200, 'late.csv', now())`,
    )

    const result = await exportAll(pool, exportsDir, { publications: ['ae_waiting'] })
    expect(result.sources.map((s) => s.sourceCode)).toEqual([
      'ae_waiting__summary',
      'gp_appointments__coverage',
    ])
    expect(statSync(nationalPath).mtimeMs).toBe(nationalBefore)
    expect(result.removed).toEqual([
      join(exportsDir, 'ae_waiting', 'retired', '2024-01.parquet'),
      join(exportsDir, 'ae_waiting__retired.parquet'),
    ])
    expect(existsSync(join(exportsDir, 'gp_appointments__retired.parquet'))).toBe(true)

    const rows = await duckQuery(
      `SELECT source_code, row_count, last_period, file_size_bytes FROM read_parquet('${result.catalogPath}') ORDER BY 1`,
    )
    expect(rows).toEqual([
      {
        source_code: 'ae_waiting__summary',
        row_count: 0n,
        last_period: null,
        file_size_bytes: expect.any(BigInt),
      },
      {
        source_code: 'gp_appointments__coverage',
        row_count: 8n,
        last_period: '2024-02',
        file_size_bytes: expect.any(BigInt),
      },
      // Not re-exported: the catalog takes its counts from the database and its size from the file.
      {
        source_code: 'gp_appointments__national',
        row_count: 2501n,
        last_period: '2024-01',
        file_size_bytes: BigInt(
          exportedFilesOf(exportsDir, 'gp_appointments__national').reduce((sum, f) => sum + f.bytes, 0),
        ),
      },
    ])
  })
})

describe('exportAll when a source cannot be exported', () => {
  it('fails naming the source, and keeps the previous file intact with no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await exportAll(pool, dir)
      const path = join(folderOf(dir, coverage), '2024-01.parquet')
      const before = statSync(path).size
      await pool.query(`ALTER TABLE gp_appointments.coverage RENAME COLUMN rate TO rate_renamed`)
      try {
        await expect(exportAll(pool, dir)).rejects.toThrow(
          /exporting gp_appointments__coverage failed: .*rate/,
        )
      } finally {
        await pool.query(`ALTER TABLE gp_appointments.coverage RENAME COLUMN rate_renamed TO rate`)
      }
      expect(statSync(path).size).toBe(before)
      expect(readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.tmp'))).toEqual(
        [],
      )
      // The pool is still usable: the failed export's connection was discarded, not returned broken.
      expect((await exportAll(pool, dir)).sources).toHaveLength(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exportAll after a run was killed during its export', () => {
  const recordLoad = async (publication: string) =>
    (
      await pool.query<{ load_id: string }>(
        `INSERT INTO datawarp.loads (run_id, publication, period, status, started_at, finished_at, duration_ms)
         VALUES ('r', $1, '2024-03', 'loaded', now(), now(), 1) RETURNING load_id`,
        [publication],
      )
    ).rows[0]!.load_id

  it('re-exports exactly the periods loaded since the catalog was written, and removes .tmp leftovers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await recordLoad('gp_appointments')
      await exportAll(pool, dir)
      // Nothing loaded since: nothing is rewritten, and the catalog stays as it was.
      const quiet = await exportAll(pool, dir, { staleOnly: true })
      expect(quiet.sources).toEqual([])
      // A load commits, then the run is killed mid-export: a .tmp and the old files are left.
      const loadId = await recordLoad('gp_appointments')
      await pool.query(
        `INSERT INTO gp_appointments.national (id, _period, _load_id, _source_file, _loaded_at)
         VALUES (7777, '2024-03', $1, 'march.csv', now())`,
        [loadId],
      )
      writeFileSync(join(folderOf(dir, national), '2024-03.parquet.tmp'), 'half a file')
      const january = join(folderOf(dir, national), '2023-01.parquet')
      const januaryBefore = statSync(january)
      const next = await exportAll(pool, dir, { staleOnly: true })
      // Only national holds 2024-03; coverage's periods are current and kept.
      expect(next.sources.map((x) => [x.sourceCode, x.written])).toEqual([
        ['gp_appointments__national', ['gp_appointments/national/2024-03.parquet']],
      ])
      expect(statSync(january).mtimeMs).toBe(januaryBefore.mtimeMs)
      expect(statSync(january).ino).toBe(januaryBefore.ino)
      expect(readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.tmp'))).toEqual(
        [],
      )
      const [{ n }] = (await duckQuery(
        `SELECT count(*) AS n FROM read_parquet('${globOf(dir, national)}')`,
      )) as [{ n: bigint }]
      const inDatabase = await pool.query<{ n: string }>('SELECT count(*) AS n FROM gp_appointments.national')
      expect(n).toBe(BigInt(inDatabase.rows[0]!.n))
      const catalog = await duckQuery(
        `SELECT source_code, row_count FROM read_parquet('${next.catalogPath}') WHERE source_code = 'gp_appointments__national'`,
      )
      expect(catalog).toEqual([{ source_code: 'gp_appointments__national', row_count: n }])
      // A file deleted by hand is written again, and only it.
      rmSync(join(dir, 'ae_waiting', 'summary', 'empty_source.parquet'))
      rmSync(join(folderOf(dir, national), '2023-05.parquet'))
      expect(
        (await exportAll(pool, dir, { staleOnly: true })).sources.map((x) => [x.sourceCode, x.written]),
      ).toEqual([
        ['ae_waiting__summary', ['ae_waiting/summary/empty_source.parquet']],
        ['gp_appointments__national', ['gp_appointments/national/2023-05.parquet']],
      ])
      // A republication of 2024-03 without national's table: the period's rows are gone, and so is its file.
      await pool.query('DELETE FROM gp_appointments.national WHERE id = 7777')
      await recordLoad('gp_appointments')
      const gone = await exportAll(pool, dir, { staleOnly: true })
      expect(gone.removed).toEqual([join(folderOf(dir, national), '2024-03.parquet')])
      expect(gone.sources.map((x) => [x.sourceCode, x.written])).toEqual([['gp_appointments__national', []]])
      expect(statSync(january).ino).toBe(januaryBefore.ino)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a republished period replaces that period’s file only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await exportAll(pool, dir)
      const folder = folderOf(dir, national)
      const before = Object.fromEntries(
        readdirSync(folder).map((name) => [name, statSync(join(folder, name))]),
      )
      // A corrected 2023-06 replaces the period's rows under a new load.
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const { rows } = await client.query<{ load_id: string }>(
          `INSERT INTO datawarp.loads (run_id, publication, period, status, started_at, finished_at, duration_ms)
           VALUES ('r', 'gp_appointments', '2023-06', 'loaded', now(), now(), 1) RETURNING load_id`,
        )
        await client.query(
          `UPDATE gp_appointments.national SET total = total + 1, _load_id = $1 WHERE _period = '2023-06'`,
          [rows[0]!.load_id],
        )
        await client.query('COMMIT')
      } finally {
        client.release()
      }
      const result = await exportAll(pool, dir, { staleOnly: true })
      expect(result.sources.flatMap((x) => x.written)).toEqual(['gp_appointments/national/2023-06.parquet'])
      for (const [name, stat] of Object.entries(before)) {
        const now = statSync(join(folder, name))
        if (name === '2023-06.parquet') expect(now.ino).not.toBe(stat.ino)
        else expect([name, now.ino, now.mtimeMs]).toEqual([name, stat.ino, stat.mtimeMs])
      }
      const expected = (await pool.query({ text: pgCanonicalSql(national), rowMode: 'array' })).rows
      expect(duckRows(await duckQuery(duckCanonicalSql(national, globOf(dir, national))))).toEqual(expected)
      expect(await hyparquetCanonical(national, folder)).toEqual(expected)
      await pool.query(`UPDATE gp_appointments.national SET total = total - 1 WHERE _period = '2023-06'`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a changed description rewrites every file of the source, so each file describes it as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await exportAll(pool, dir)
      await pool.query(
        `UPDATE datawarp.sources SET description = 'Coverage, corrected', updated_at = now() WHERE source_key = 'coverage'`,
      )
      try {
        const result = await exportAll(pool, dir, { staleOnly: true })
        expect(result.sources.map((x) => [x.sourceCode, x.written])).toEqual([
          [
            'gp_appointments__coverage',
            ['gp_appointments/coverage/2024-01.parquet', 'gp_appointments/coverage/2024-02.parquet'],
          ],
        ])
        const metadata = await parquetMetadataAsync(
          await asyncBufferFromFile(join(folderOf(dir, coverage), '2024-01.parquet')),
        )
        const entry = metadata.key_value_metadata?.find((kv) => kv.key === SOURCE_METADATA_KEY)
        expect(JSON.parse(entry?.value ?? '{}').description).toBe('Coverage, corrected')
      } finally {
        await pool.query(`UPDATE datawarp.sources SET description = $1 WHERE source_key = 'coverage'`, [
          coverage.description,
        ])
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exportAll over exports of the single-file layout before', () => {
  it('replaces each source’s <publication>__<source_key>.parquet with its folder, leaving no both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      // What an earlier version left: one file per source, and a catalog without per-file marks.
      for (const code of ['gp_appointments__coverage', 'gp_appointments__national', 'ae_waiting__summary']) {
        writeFileSync(join(dir, `${code}.parquet`), 'old layout')
      }
      writeFileSync(join(dir, 'gp_appointments__national.parquet.tmp'), 'half a file')
      const result = await exportAll(pool, dir, { staleOnly: true })
      expect(result.sources).toHaveLength(3)
      expect(readdirSync(dir).sort()).toEqual([
        'ae_waiting',
        'catalog.parquet',
        'datapackage.json',
        'gp_appointments',
      ])
      const [{ n }] = (await duckQuery(
        `SELECT count(*) AS n FROM read_parquet('${globOf(dir, national)}')`,
      )) as [{ n: bigint }]
      const inDatabase = await pool.query<{ n: string }>('SELECT count(*) AS n FROM gp_appointments.national')
      expect(n).toBe(BigInt(inDatabase.rows[0]!.n))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exportPeriod', () => {
  it('ends a row group early once its COPY text reaches the byte limit, bounding memory for wide rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(`SET LOCAL DateStyle = 'ISO, YMD'`)
      await client.query(`SET LOCAL TimeZone = 'UTC'`)
      const path = join(dir, '2023-01.parquet')
      const stats = await exportPeriod(
        client,
        {
          publication: national.publication,
          sourceKey: national.key,
          publicationName: 'National',
          tableSchema: national.publication,
          tableName: national.table,
          title: national.title,
          description: national.description,
          fields: national.fields,
          updatedAtMicros: '0',
        },
        '2023-01',
        path,
        { rowGroupSize: 1000, rowGroupBytes: 2_000 },
      )
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM gp_appointments.national WHERE _period = '2023-01'`,
      )
      expect(stats.rows).toBe(Number(rows[0]?.n))
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path))
      const sizes = metadata.row_groups.map((g) => Number(g.num_rows))
      expect(sizes.length).toBeGreaterThan(5)
      for (const size of sizes) expect(size).toBeLessThan(1000)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(stats.rows)
      const [{ n }] = (await duckQuery(`SELECT count(*) AS n FROM read_parquet('${path}')`)) as [
        { n: bigint },
      ]
      expect(n).toBe(BigInt(stats.rows))
    } finally {
      await client.query('ROLLBACK')
      client.release()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exportAll on a database nothing was loaded into', () => {
  it('writes an empty catalog and removes stale files', async () => {
    const fresh = await createTestDatabase()
    const freshPool = new pg.Pool({ connectionString: fresh.url })
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      writeFileSync(join(dir, 'old_pub__gone.parquet'), 'stale')
      const result = await exportAll(freshPool, dir)
      expect(result.sources).toEqual([])
      expect(result.removed).toEqual([join(dir, 'old_pub__gone.parquet')])
      const [{ n }] = (await duckQuery(
        `SELECT count(*) AS n FROM read_parquet('${result.catalogPath}')`,
      )) as [{ n: bigint }]
      expect(n).toBe(0n)
    } finally {
      await freshPool.end()
      await fresh.drop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('exportAll on random data', () => {
  it('round-trips thousands of random values of every type exactly, in DuckDB and hyparquet', async () => {
    let seed = 42
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const chars = [
      'a',
      'Z',
      '0',
      ' ',
      '\\',
      '\t',
      '\n',
      '\r',
      'N',
      '.',
      'é',
      '€',
      '😀',
      '\u0001',
      '\u007f',
      'x',
      '"',
    ]
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('')
    const maybe = <T>(value: T): T | null => (random() < 0.1 ? null : value)
    const fields: TestField[] = [
      { name: 'row_no', title: 'Row', type: 'integer' },
      { name: 'label', title: 'Label', type: 'string' },
      { name: 'category', title: 'Category', type: 'string' },
      { name: 'big', title: 'Big', type: 'integer' },
      { name: 'amount', title: 'Amount', type: 'number' },
      { name: 'level', title: 'Level', type: 'number' },
      { name: 'flag', title: 'Flag', type: 'boolean' },
      { name: 'on_day', title: 'Day', type: 'date' },
      { name: 'at', title: 'At', type: 'datetime' },
    ]
    const rows = Array.from({ length: 3000 }, (_, i) => [
      i,
      maybe(Array.from({ length: Math.floor(random() * 12) }, () => pick(chars)).join('')),
      maybe(pick(['alpha', 'beta', 'gamma', 'délta', ''])),
      maybe(`${random() < 0.5 ? '-' : ''}${digits(1 + Math.floor(random() * 18))}`),
      maybe(
        `${random() < 0.5 ? '-' : ''}${digits(1 + Math.floor(random() * 12))}.${digits(Math.floor(random() * 12))}`,
      ),
      maybe(pick(['0.5', '1.25', '-3', '100'])),
      maybe(random() < 0.5),
      maybe(
        new Date(Date.UTC(1800, 0, 1) + Math.floor(random() * 300 * 365.25) * 86_400_000)
          .toISOString()
          .slice(0, 10),
      ),
      maybe(
        `${new Date(Date.UTC(1900, 0, 1) + Math.floor(random() * 2e12)).toISOString().slice(0, 19).replace('T', ' ')}.${digits(6)}`,
      ),
      `20${10 + (i % 15)}-0${1 + (i % 9)}`,
      i % 7,
      pick(['a.csv', 'b.csv']),
      '2025-06-01 12:00:00+00',
    ])
    const source: TestSource = {
      publication: 'fuzz',
      key: 'values',
      table: 'values_table',
      title: null,
      description: null,
      fields,
      rows: [],
    }
    const fresh = await openLedgerDatabase()
    const freshPool = fresh.pool
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-export-test-'))
    try {
      await createSource(freshPool, source)
      const table = 'fuzz.values_table'
      for (let start = 0; start < rows.length; start += 500) {
        const batch = rows.slice(start, start + 500)
        const width = batch[0]?.length ?? 0
        const placeholders = batch.map(
          (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
        )
        await freshPool.query(`INSERT INTO ${table} VALUES ${placeholders.join(', ')}`, batch.flat())
      }
      const result = await exportAll(freshPool, dir, { rowGroupSize: 700 })
      expect(result.sources[0]?.rows).toBe(3000)
      const path = `${join(dir, 'fuzz', 'values')}/*.parquet`
      const expected = (await freshPool.query({ text: pgCanonicalSql(source), rowMode: 'array' })).rows
      expect(duckRows(await duckQuery(duckCanonicalSql(source, path)))).toEqual(expected)
      expect(await hyparquetCanonical(source, join(dir, 'fuzz', 'values'))).toEqual(expected)
    } finally {
      await fresh.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
