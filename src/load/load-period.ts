import type pg from 'pg'
import { inTransaction, lockPublicationLoad, quoteIdent } from '../db/index.js'
import { MissingValues, type SourceBinding } from '../manifest/index.js'
import { type CanonicalManifest, physicalNameChanges, type Source } from '../model/manifest.js'
import { DataWarpError, type ExtractedTable } from '../model/table.js'
import { commentSources } from './comments.js'
import { copyRows, type RowTap } from './copy-rows.js'
import { attachPartition, isPartitioned, type PeriodTarget, periodTarget } from './partitions.js'
import { ensureTable } from './table-ddl.js'

export interface LoadedFile {
  readonly url: string
  /** As recorded in each row's _source_file: the file name, or "zip/member" for a ZIP member. */
  readonly name: string
  readonly sha256: string
  readonly bytes: number
}

export interface PeriodTable {
  readonly binding: SourceBinding
  readonly table: ExtractedTable
  readonly file: LoadedFile
}

export interface PeriodLoad {
  readonly runId: string
  readonly publication: { readonly code: string; readonly name: string }
  readonly period: string
  readonly manifest: CanonicalManifest
  readonly manifestHash: string
  readonly tables: readonly PeriodTable[]
  readonly onRows?: (source: string, rows: number) => void
  /** Tokens and estimated cost of the LLM enrichment this period used, when it used one. */
  readonly llm?: LlmUsage
}

export interface LlmUsage {
  readonly tokens: number
  readonly costUsd?: number
}

export interface SourceLoadResult {
  readonly sourceKey: string
  readonly table: string
  readonly file: string
  readonly rows: number
}

export interface PeriodLoadResult {
  readonly loadId: number
  readonly rows: number
  readonly sources: readonly SourceLoadResult[]
  readonly schemaChanges: readonly string[]
  readonly durationMs: number
}

/**
 * Loads one (publication, period) in ONE transaction: tables created or widened, the period's earlier rows
 * deleted from every table of the publication, the new rows copied in, the ledger written. Any failure rolls
 * all of it back, so the database is as before.
 */
export async function loadPeriod(pool: pg.Pool, load: PeriodLoad): Promise<PeriodLoadResult> {
  const pending = await beginPeriodLoad(pool, load)
  return pending.commit()
}

/** What commit may still settle about a load: the manifest it records, when it was decided after the COPY. */
export interface LoadSettlement {
  readonly manifest: CanonicalManifest
  readonly manifestHash: string
  readonly llm?: LlmUsage
}

/**
 * A load whose rows are copied and whose transaction is still open: commit() makes it happen, rollback()
 * leaves the database as before. Exactly one of them must be called.
 */
export interface PendingLoad {
  /** Rows copied, per table of the load. */
  readonly sources: readonly SourceLoadResult[]
  commit(settlement?: LoadSettlement): Promise<PeriodLoadResult>
  rollback(): Promise<void>
}

/**
 * Does all of a load but its commit: what loadPeriod does, for a caller that decides afterwards whether the load
 * stands (a load that profiles the file as it copies it, and keeps it only when the profile matches what the
 * COPY assumed). `taps` see each table's rows as they are copied, by index into load.tables.
 */
export async function beginPeriodLoad(
  pool: pg.Pool,
  load: PeriodLoad,
  taps: readonly (RowTap | undefined)[] = [],
): Promise<PendingLoad> {
  const started = Date.now()
  const client = await pool.connect()
  // The pool stops listening while a client is checked out, and this one may wait a while (the caller decides
  // whether the load stands): a connection lost meanwhile must fail the load, not crash the process.
  let lost: Error | undefined
  const onError = (error: Error) => {
    lost = error
  }
  client.on('error', onError)
  let done = false
  const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
    done = true
    let broken: Error | undefined = lost
    try {
      await client.query(sql)
    } catch (error) {
      broken = error as Error
      if (sql === 'COMMIT') await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }
  try {
    await client.query('BEGIN')
    await lockPublicationLoad(client, load.publication.code)
    const schema = load.publication.code
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)

    const used = new Map(load.tables.map((t) => [t.binding.source.key, t.binding.source]))
    await checkPhysicalNamesKept(client, schema, [...used.values()])
    const schemaChanges: string[] = []
    for (const source of used.values()) schemaChanges.push(...(await ensureTable(client, schema, source)))
    const targets = new Map<string, PeriodTarget>()
    for (const source of used.values()) {
      await targetFor(client, schema, source.table, load.period, targets)
    }
    // A partitioned table's period is replaced whole at attach time; only the others lose rows one by one.
    await deletePeriod(
      client,
      schema,
      load.period,
      [...used.values()].map((s) => s.table),
      new Set([...targets].filter(([, t]) => t.detached !== undefined).map(([table]) => table)),
    )

    const { rows } = await client.query<{ load_id: string; now: Date }>(
      `INSERT INTO datawarp.loads (run_id, publication, period, status, manifest_hash, started_at, finished_at, duration_ms)
       VALUES ($1, $2, $3, 'loaded', $4, to_timestamp($5 / 1000.0), now(), 0) RETURNING load_id, now()`,
      [load.runId, load.publication.code, load.period, load.manifestHash, started],
    )
    const loadId = Number(rows[0]!.load_id)
    const loadedAt = rows[0]!.now.toISOString()

    const results: SourceLoadResult[] = []
    const missing = MissingValues.of(load.manifest)
    for (const [i, { binding, table, file }] of load.tables.entries()) {
      const fields = new Map(binding.source.schema.fields.map((f) => [f.name, f]))
      const columns = binding.columns.map((name) => ({ name, type: fields.get(name)!.type }))
      const target = await targetFor(client, schema, binding.source.table, load.period, targets)
      const counted = await copyRows(
        client,
        table,
        {
          schema,
          table: target.table,
          freeze: target.detached !== undefined,
          columns,
          missing,
          constants: [
            { name: '_period', type: 'string', value: load.period },
            { name: '_load_id', type: 'integer', value: String(loadId) },
            { name: '_source_file', type: 'string', value: file.name },
            { name: '_loaded_at', type: 'timestamptz', value: loadedAt },
          ],
        },
        (n) => load.onRows?.(binding.source.key, n),
        taps[i],
      )
      if (counted.read !== counted.written) {
        throw new DataWarpError(
          `read ${counted.read} rows but PostgreSQL wrote ${counted.written} into ${schema}.${binding.source.table}`,
          { file: file.name, sheet: table.sheet },
        )
      }
      await client.query(
        `INSERT INTO datawarp.load_sources
           (load_id, source_key, table_name, url, file_name, sheet, sha256, bytes, rows_read, rows_loaded, fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          loadId,
          binding.source.key,
          binding.source.table,
          file.url,
          file.name,
          table.sheet ?? null,
          file.sha256,
          file.bytes,
          counted.read,
          counted.written,
          JSON.stringify(columns),
        ],
      )
      results.push({
        sourceKey: binding.source.key,
        table: binding.source.table,
        file: file.name,
        rows: counted.written,
      })
    }
    for (const target of targets.values()) await attachPartition(client, schema, target)

    return {
      sources: results,
      async commit(settlement) {
        if (done) throw new Error('this load was already committed or rolled back')
        const total = results.reduce((sum, r) => sum + r.rows, 0)
        const durationMs = Date.now() - started
        try {
          const manifest = settlement?.manifest ?? load.manifest
          await upsertSources(client, load.publication.code, manifest, [...used.keys()])
          const llm = settlement ? settlement.llm : load.llm
          await client.query(
            `UPDATE datawarp.loads SET rows_loaded = $2, finished_at = clock_timestamp(), duration_ms = $3,
               llm_tokens = $4, llm_cost_usd = $5, manifest_hash = $6 WHERE load_id = $1`,
            [
              loadId,
              total,
              durationMs,
              llm?.tokens ?? null,
              llm?.costUsd ?? null,
              settlement?.manifestHash ?? load.manifestHash,
            ],
          )
        } catch (error) {
          await end('ROLLBACK').catch(() => undefined)
          throw error
        }
        await end('COMMIT')
        return { loadId, rows: total, sources: results, schemaChanges, durationMs }
      },
      async rollback() {
        if (!done) await end('ROLLBACK')
      },
    }
  } catch (error) {
    if (!done) await end('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** The table a source's rows go into this period: the same for every file of the source. */
async function targetFor(
  client: pg.PoolClient,
  schema: string,
  table: string,
  period: string,
  targets: Map<string, PeriodTarget>,
): Promise<PeriodTarget> {
  let target = targets.get(table)
  if (!target) {
    const partitioned = await isPartitioned(client, schema, table)
    target = partitioned ? await periodTarget(client, schema, table, period) : { table }
    targets.set(table, target)
  }
  return target
}

/** Refuses a load whose manifest changed the table or a field name of a source the database already holds. */
async function checkPhysicalNamesKept(client: pg.PoolClient, schema: string, sources: readonly Source[]) {
  const { rows } = await client.query<{ source_key: string; table_name: string; fields: { name: string }[] }>(
    'SELECT source_key, table_name, fields FROM datawarp.sources WHERE publication = $1 AND source_key = ANY($2::text[])',
    [schema, sources.map((s) => s.key)],
  )
  const problems = rows.flatMap((row) => {
    const source = sources.find((s) => s.key === row.source_key)!
    const loaded = {
      key: row.source_key,
      schema,
      table: row.table_name,
      fieldNames: row.fields.map((f) => f.name),
    }
    return physicalNameChanges(loaded, source)
  })
  if (problems.length > 0) throw new DataWarpError(problems.join('; '))
}

/**
 * Removes the period from every table of the publication but those whose partition the load replaces: a
 * republication replaces, never duplicates.
 */
async function deletePeriod(
  client: pg.PoolClient,
  schema: string,
  period: string,
  tables: string[],
  replaced: ReadonlySet<string>,
) {
  const known = await client.query<{ table_name: string }>(
    `SELECT table_name FROM datawarp.sources WHERE publication = $1
       AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = $1 AND t.table_name = sources.table_name)`,
    [schema],
  )
  const all = new Set([...tables, ...known.rows.map((r) => r.table_name)])
  for (const table of all) {
    if (replaced.has(table)) continue
    await client.query(`DELETE FROM ${quoteIdent(schema)}.${quoteIdent(table)} WHERE _period = $1`, [period])
  }
}

async function upsertSources(
  client: pg.PoolClient,
  publication: string,
  manifest: CanonicalManifest,
  keys: string[],
) {
  for (const source of manifest.sources.filter((s) => keys.includes(s.key))) {
    await client.query(
      `INSERT INTO datawarp.sources
         (publication, source_key, publication_name, table_schema, table_name, title, description, description_source, fields, updated_at)
       VALUES ($1, $2, $3, $1, $4, $5, $6, $7, $8, now())
       ON CONFLICT (publication, source_key) DO UPDATE SET
         publication_name = EXCLUDED.publication_name, table_name = EXCLUDED.table_name, title = EXCLUDED.title,
         description = EXCLUDED.description, description_source = EXCLUDED.description_source,
         fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at`,
      [
        publication,
        source.key,
        manifest.name,
        source.table,
        source.title ?? null,
        source.description ?? null,
        source.descriptionSource ?? null,
        JSON.stringify(source.schema.fields),
      ],
    )
  }
  await commentSources(client, publication, manifest, keys)
}

/**
 * What was settled after a load committed: its sources' text (enrichment, which may call an LLM, runs after the
 * commit) and the LLM usage, in a short transaction of its own, so a load never waits on the network.
 */
export async function recordLoadText(
  pool: pg.Pool,
  settled: {
    loadId: number
    publication: string
    manifest: CanonicalManifest
    manifestHash: string
    sourceKeys: readonly string[]
    llm?: LlmUsage
  },
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await upsertSources(client, settled.publication, settled.manifest, [...settled.sourceKeys])
    await client.query(
      'UPDATE datawarp.loads SET manifest_hash = $2, llm_tokens = $3, llm_cost_usd = $4 WHERE load_id = $1',
      [settled.loadId, settled.manifestHash, settled.llm?.tokens ?? null, settled.llm?.costUsd ?? null],
    )
  })
}

/** Records a failed attempt after its transaction rolled back, so the ledger says what happened and why. */
export async function recordFailedLoad(
  pool: pg.Pool,
  failure: {
    runId: string
    publication: string
    period: string
    startedAt: number
    error: string
    where?: string
    manifestHash?: string
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO datawarp.loads (run_id, publication, period, status, manifest_hash, started_at, finished_at, duration_ms, error, error_where)
     VALUES ($1, $2, $3, 'failed', $4, to_timestamp($5 / 1000.0), now(), $6, $7, $8)`,
    [
      failure.runId,
      failure.publication,
      failure.period,
      failure.manifestHash ?? null,
      failure.startedAt,
      Date.now() - failure.startedAt,
      failure.error,
      failure.where ?? null,
    ],
  )
}

/** Records a held period: not loaded because its draft differs from the canonical manifest under review. */
export async function recordHeldLoad(
  pool: pg.Pool,
  held: {
    runId: string
    publication: string
    period: string
    startedAt: number
    reason: string
    manifestHash?: string
    llm?: LlmUsage
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO datawarp.loads
       (run_id, publication, period, status, manifest_hash, started_at, finished_at, duration_ms, reason, llm_tokens, llm_cost_usd)
     VALUES ($1, $2, $3, 'held', $4, to_timestamp($5 / 1000.0), now(), $6, $7, $8, $9)`,
    [
      held.runId,
      held.publication,
      held.period,
      held.manifestHash ?? null,
      held.startedAt,
      Date.now() - held.startedAt,
      held.reason,
      held.llm?.tokens ?? null,
      held.llm?.costUsd ?? null,
    ],
  )
}
