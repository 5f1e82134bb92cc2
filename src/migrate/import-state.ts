import { readFileSync } from 'node:fs'
import type pg from 'pg'
import { z } from 'zod'
import { inTransaction } from '../db/index.js'
import { legacyPeriod } from './legacy-period.js'

/** The old pipeline's state/state.json: which (publication, period) it processed, and which failed. */
const LegacyStateSchema = z.looseObject({
  processed: z
    .record(
      z.string(),
      z.looseObject({
        manifest: z.string().nullish(),
        completed_at: z.string().nullish(),
        rows_loaded: z.number().nullish(),
      }),
    )
    .nullish(),
  failed: z
    .record(z.string(), z.looseObject({ failed_at: z.string().nullish(), error: z.string().nullish() }))
    .nullish(),
})

/** One ledger row to write: a load the old pipeline finished. */
export interface MigratedLoad {
  /** The state.json key, "adhd/nov25". */
  readonly key: string
  readonly publication: string
  readonly period: string
  /** ISO 8601, UTC (the old file wrote local times without a zone; they are read as UTC). */
  readonly finishedAt: string
  readonly rows: number | null
}

export interface StateImportPlan {
  readonly loads: readonly MigratedLoad[]
  readonly skipped: readonly { key: string; reason: string }[]
  /** Failed attempts: not imported (the old file kept no detail). */
  readonly failed: readonly string[]
}

const isTestCode = (code: string) => /(^|_)test(_|$)/.test(code)

/**
 * Which entries of the old state.json become ledger rows. A key's publication is its code when the config has
 * it; otherwise the publication of the manifest the entry names (the old "pcn" was pcn_workforce). Test runs
 * and publications not in the config are skipped, with the reason.
 */
export function planStateImport(
  path: string,
  codes: ReadonlySet<string>,
  publicationOfManifest: (manifest: string) => string | undefined,
): StateImportPlan {
  const parsed = LegacyStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
  if (!parsed.success) throw new Error(`${path}: not a state file of the old pipeline`)
  const loads: MigratedLoad[] = []
  const skipped: { key: string; reason: string }[] = []
  for (const [key, entry] of Object.entries(parsed.data.processed ?? {})) {
    const [code = '', oldPeriod = ''] = key.split('/')
    const period = legacyPeriod(oldPeriod)
    if (!period) {
      skipped.push({ key, reason: `period "${oldPeriod}" not understood` })
      continue
    }
    let publication: string | undefined
    if (codes.has(code)) publication = code
    else if (isTestCode(code)) {
      skipped.push({ key, reason: 'a test run of the old pipeline' })
      continue
    } else publication = entry.manifest ? publicationOfManifest(entry.manifest) : undefined
    if (!publication) {
      skipped.push({ key, reason: `publication "${code}" is not in the config` })
      continue
    }
    const finishedAt = utc(entry.completed_at)
    if (!finishedAt) {
      skipped.push({ key, reason: 'no completion time' })
      continue
    }
    loads.push({ key, publication, period, finishedAt, rows: entry.rows_loaded ?? null })
  }
  return { loads, skipped, failed: Object.keys(parsed.data.failed ?? {}) }
}

function utc(text: string | null | undefined): string | undefined {
  if (!text) return undefined
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`
  return Number.isNaN(Date.parse(zoned)) ? undefined : zoned
}

/** The loads of a plan the ledger already holds (imported by an earlier migrate). */
export async function alreadyImported(
  pool: pg.Pool,
  loads: readonly MigratedLoad[],
): Promise<Set<MigratedLoad>> {
  const found = new Set<MigratedLoad>()
  const exists = await pool.query<{ loads: string | null }>(
    `SELECT to_regclass('datawarp.loads')::text AS loads`,
  )
  if (!exists.rows[0]?.loads) return found
  for (const load of loads) {
    const { rowCount } = await pool.query(
      `SELECT 1 FROM datawarp.loads
        WHERE run_id LIKE 'migrated-%' AND publication = $1 AND period = $2 AND finished_at = $3::timestamptz`,
      [load.publication, load.period, load.finishedAt],
    )
    if (rowCount) found.add(load)
  }
  return found
}

/**
 * Writes the loads as `datawarp.loads` rows (status loaded) of one run, "migrated-<date>", in one transaction.
 * They record history only: with no files or hashes in the ledger, the first run loads those periods again.
 */
export async function importLoads(
  pool: pg.Pool,
  runId: string,
  loads: readonly MigratedLoad[],
  source: string,
): Promise<void> {
  if (loads.length === 0) return
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO datawarp.runs (run_id, started_at, finished_at, status, summary)
       VALUES ($1, now(), now(), 'succeeded', $2) ON CONFLICT (run_id) DO NOTHING`,
      [runId, JSON.stringify({ migrated_from: source })],
    )
    for (const load of loads) {
      await client.query(
        `INSERT INTO datawarp.loads
           (run_id, publication, period, status, rows_loaded, started_at, finished_at, duration_ms)
         VALUES ($1, $2, $3, 'loaded', $4, $5::timestamptz, $5::timestamptz, 0)`,
        [runId, load.publication, load.period, load.rows, load.finishedAt],
      )
    }
  })
}
