import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import { loadPeriod } from '../load/index.js'
import type { SourceBinding } from '../manifest/index.js'
import type { CanonicalManifest, Source } from '../model/manifest.js'
import type { ExtractedTable, TableRow } from '../model/table.js'
import { DATAPACKAGE_PROFILE, type DataPackage, type DataResource, sourceResource } from './datapackage.js'
import { exportAll } from './export-all.js'

/** The official Data Package v2 profile, vendored (schemas/vendor/frictionless/README.md says from where). */
function packageValidator(): ValidateFunction {
  const profile = JSON.parse(
    readFileSync(new URL('../../schemas/vendor/frictionless/datapackage.json', import.meta.url), 'utf8'),
  )
  // The profile's own annotations (propertyOrder, context, options) are not JSON Schema keywords.
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats.default(ajv)
  ajv.addFormat('textarea', true)
  return ajv.compile(profile)
}

const FIELDS_SOURCE: Source = {
  key: 'activity',
  table: 'activity',
  title: 'A&E attendances, "type 1"',
  description: 'Attendances by provider',
  descriptionSource: 'publisher',
  match: { file: 'activity_*.csv' },
  schema: {
    fields: [
      { name: 'org_code', title: 'Organisation code', type: 'string', role: 'dimension' },
      {
        name: 'attendances',
        title: 'Attendances',
        type: 'integer',
        description: 'Attendances in the month',
        descriptionSource: 'llm',
        unit: 'count',
        role: 'measure',
      },
      { name: 'share', title: 'Share', type: 'number', unit: 'percent', description: 'Share of all' },
      { name: 'open', title: 'Open', type: 'boolean' },
      { name: 'opened_on', title: 'Opened on', type: 'date' },
      { name: 'seen_at', title: 'Seen at', type: 'datetime', retiredSince: '2024-02' },
    ],
  },
}
const MANIFEST: CanonicalManifest = { publication: 'ae', name: 'A&E activity', sources: [FIELDS_SOURCE] }

function periodTable() {
  const rows: TableRow[] = [
    { position: 2, cells: ['R1', 5, 0.5, true, new Date('2024-01-02'), new Date('2024-01-02T10:00:00Z')] },
  ]
  const table: ExtractedTable = {
    file: 'activity.csv',
    headers: FIELDS_SOURCE.schema.fields.map((f) => f.title),
    headerRows: [1],
    async *batches() {
      yield rows
    },
    async *rows() {
      yield* rows
    },
  }
  const binding = {
    source: FIELDS_SOURCE,
    columns: FIELDS_SOURCE.schema.fields.map((f) => f.name),
  } as unknown as SourceBinding
  return {
    binding,
    table,
    file: { url: 'http://x/activity.csv', name: 'activity.csv', sha256: 'x', bytes: 1 },
  }
}

describe('datapackage.json beside the catalog', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let pool: pg.Pool
  let dir: string
  let duck: DuckDBInstance
  let duckdb: DuckDBConnection
  let pkg: DataPackage
  const validate = packageValidator()

  beforeAll(async () => {
    db = await openLedgerDatabase()
    pool = db.pool
    await loadPeriod(pool, {
      runId: 'run',
      publication: { code: 'ae', name: MANIFEST.name },
      period: '2024-01',
      manifest: MANIFEST,
      manifestHash: 'h',
      tables: [periodTable()],
    })
    dir = mkdtempSync(join(tmpdir(), 'datawarp-datapackage-'))
    const result = await exportAll(pool, dir)
    expect(result.dataPackagePath).toBe(join(dir, 'datapackage.json'))
    pkg = JSON.parse(readFileSync(result.dataPackagePath, 'utf8'))
    duck = await DuckDBInstance.create(':memory:')
    duckdb = await duck.connect()
  })
  afterAll(async () => {
    duckdb?.closeSync()
    duck?.closeSync()
    rmSync(dir, { recursive: true, force: true })
    await db.close()
  })

  it('validates against the official Frictionless Data Package v2 profile', () => {
    const valid = validate(pkg)
    expect(validate.errors ?? []).toEqual([])
    expect(valid).toBe(true)
    expect(pkg.$schema).toBe(DATAPACKAGE_PROFILE)
    expect(pkg).toMatchObject({ name: 'datawarp-exports', title: 'DataWarp exports' })
    expect(Date.parse(pkg.created)).not.toBeNaN()
  })

  it('the validator is real: a field of an unknown type or a resource without a path is refused', () => {
    const resource = pkg.resources[1]!
    const badType = {
      ...pkg,
      resources: [{ ...resource, schema: { fields: [{ name: 'x', type: 'int' }] } }],
    }
    expect(validate(badType)).toBe(false)
    const { path: _, ...noPath } = resource
    expect(validate({ ...pkg, resources: [noPath] })).toBe(false)
    expect(validate({ ...pkg, resources: [] })).toBe(false)
  })

  it('describes every exported Parquet file: path, format, media type and its size in bytes', () => {
    expect(pkg.resources.map((r) => [r.name, r.path])).toEqual([
      ['catalog', 'catalog.parquet'],
      ['ae__activity', 'ae/activity/2024-01.parquet'],
    ])
    for (const r of pkg.resources) {
      expect(r).toMatchObject({
        type: 'table',
        format: 'parquet',
        mediatype: 'application/vnd.apache.parquet',
      })
      expect(r.bytes).toBe(statSync(join(dir, r.path as string)).size)
    }
  })

  it("a source's Table Schema has its fields in the file's order, with types, titles, descriptions, units and roles", async () => {
    const resource = pkg.resources[1]!
    const described = await duckdb.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet('${join(dir, resource.path as string)}')`,
    )
    const inFile = described.getRowObjectsJS().map((r) => r.column_name)
    expect(resource.schema.fields.map((f) => f.name)).toEqual(inFile)
    expect(resource.schema.fields.map((f) => f.type)).toEqual([
      'string',
      'integer',
      'number',
      'boolean',
      'date',
      'datetime',
      'string',
      'integer',
      'string',
      'datetime',
    ])
    expect(resource).toMatchObject({
      title: 'A&E attendances, "type 1"',
      description: 'Attendances by provider',
      'datawarp:descriptionSource': 'publisher',
      'datawarp:publication': 'ae',
      'datawarp:publicationName': 'A&E activity',
      'datawarp:table': 'ae.activity',
      'datawarp:rows': 1,
      'datawarp:firstPeriod': '2024-01',
      'datawarp:lastPeriod': '2024-01',
    })
    expect(resource.schema.missingValues).toEqual([])
    const byName = Object.fromEntries(resource.schema.fields.map((f) => [f.name, f]))
    expect(byName.org_code).toEqual({
      name: 'org_code',
      type: 'string',
      title: 'Organisation code',
      'datawarp:role': 'dimension',
    })
    expect(byName.attendances).toEqual({
      name: 'attendances',
      type: 'integer',
      title: 'Attendances',
      description: 'Attendances in the month',
      'datawarp:descriptionSource': 'llm',
      'datawarp:unit': 'count',
      'datawarp:role': 'measure',
    })
    // A description that does not say where it came from was written by a person (the manifest's rule).
    expect(byName.share).toMatchObject({
      'datawarp:descriptionSource': 'reviewer',
      'datawarp:unit': 'percent',
    })
    expect(byName.seen_at).toMatchObject({ 'datawarp:retiredSince': '2024-02' })
    expect(byName._load_id).toMatchObject({
      type: 'integer',
      constraints: { required: true },
      'datawarp:lineage': true,
    })
  })

  it('the catalog resource describes catalog.parquet column for column', async () => {
    const described = await duckdb.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet('${join(dir, 'catalog.parquet')}')`,
    )
    const inFile = described.getRowObjectsJS().map((r) => r.column_name)
    expect(pkg.resources[0]!.schema.fields.map((f) => f.name)).toEqual(inFile)
  })

  it('a source split over several files is one resource with a path per file (a multipart resource)', () => {
    const row = {
      sourceCode: 'ae__activity',
      publication: 'ae',
      publicationName: 'A&E',
      sourceKey: 'activity',
      tableName: 'ae.activity',
      title: null,
      description: null,
      rowCount: 0,
      columnCount: 1,
      firstPeriod: null,
      lastPeriod: null,
      columns: JSON.stringify([{ name: 'n', title: 'N', type: 'integer', description: null }]),
      parquetPath: 'ae/activity',
      files: [{ period: null, path: 'ae/activity/empty_source.parquet', rows: 0, bytes: 10, mark: '0:0' }],
      fileSizeBytes: 10,
      updatedAtMicros: '0',
      loadMark: '0:0',
    }
    const single = sourceResource(row, () => 10)
    const multipart: DataResource = {
      ...single,
      path: ['ae/activity/2024-01.parquet', 'ae/activity/2024-02.parquet'],
    }
    expect(
      validate({ ...pkg, resources: [single, multipart].map((r, i) => ({ ...r, name: `r${i}` })) }),
    ).toBe(true)
    expect(single).not.toHaveProperty('title')
    expect(single.schema.fields[0]).toEqual({ name: 'n', type: 'integer', title: 'N' })
  })
})
