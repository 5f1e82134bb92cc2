import type pg from 'pg'
import type { CanonicalManifest } from '../model/manifest.js'

export interface LoadedSourceRecord {
  readonly sourceKey: string
  readonly url: string
  readonly fileName: string
  readonly sha256: string
  readonly fields: readonly { name: string; type: string }[]
}

export interface LastLoad {
  readonly loadId: number
  readonly rows: number
  readonly finishedAt: Date
  readonly sources: readonly LoadedSourceRecord[]
}

/** The latest successful load of a (publication, period), with the files and fields it used. */
export async function lastSuccessfulLoad(
  pool: pg.Pool,
  publication: string,
  period: string,
): Promise<LastLoad | undefined> {
  const load = await pool.query<{ load_id: string; rows_loaded: string; finished_at: Date }>(
    `SELECT load_id, rows_loaded, finished_at FROM datawarp.loads
      WHERE publication = $1 AND period = $2 AND status = 'loaded' ORDER BY load_id DESC LIMIT 1`,
    [publication, period],
  )
  const row = load.rows[0]
  if (!row) return undefined
  const sources = await pool.query<{
    source_key: string
    url: string
    file_name: string
    sha256: string
    fields: { name: string; type: string }[]
  }>('SELECT source_key, url, file_name, sha256, fields FROM datawarp.load_sources WHERE load_id = $1', [
    row.load_id,
  ])
  return {
    loadId: Number(row.load_id),
    rows: Number(row.rows_loaded),
    finishedAt: row.finished_at,
    sources: sources.rows.map((s) => ({
      sourceKey: s.source_key,
      url: s.url,
      fileName: s.file_name,
      sha256: s.sha256,
      fields: s.fields,
    })),
  }
}

/**
 * Whether a period is already loaded as it stands: the same files (URL and sha256) as its last successful
 * load, and every field that load wrote still in the canonical manifest with the same type, or with a type its
 * values were converted to in place (see convertedInPlace).
 */
export function isUpToDate(
  last: LastLoad | undefined,
  files: readonly { url: string; sha256: string }[],
  manifest: CanonicalManifest | undefined,
): boolean {
  if (!last || !manifest) return false
  const loaded = new Set(last.sources.map((s) => `${s.url}\u0000${s.sha256}`))
  const now = new Set(files.map((f) => `${f.url}\u0000${f.sha256}`))
  if (loaded.size !== now.size || [...now].some((f) => !loaded.has(f))) return false
  return last.sources.every((s) => {
    const source = manifest.sources.find((m) => m.key === s.sourceKey)
    if (!source) return false
    const types = new Map(source.schema.fields.map((f) => [f.name, f.type]))
    return s.fields.every((f) => convertedInPlace(f.type, types.get(f.name)))
  })
}

/**
 * Whether values loaded as `loaded` hold what a reload as `current` would write. Widening integer to number or
 * date to datetime converts the column in place (ALTER TABLE) exactly so, and earlier periods need not be fetched
 * again. Widening to string does not: a reload keeps the text as published ("1,234", "*"), which a cast of the
 * stored value cannot give back.
 */
export function convertedInPlace(loaded: string, current: string | undefined): boolean {
  return (
    loaded === current ||
    (loaded === 'integer' && current === 'number') ||
    (loaded === 'date' && current === 'datetime')
  )
}

export async function recordRunStart(pool: pg.Pool, runId: string): Promise<void> {
  await pool.query(`INSERT INTO datawarp.runs (run_id, started_at, status) VALUES ($1, now(), 'running')`, [
    runId,
  ])
}

export async function recordRunEnd(pool: pg.Pool, runId: string, succeeded: boolean, summary: unknown) {
  await pool.query(
    'UPDATE datawarp.runs SET finished_at = now(), status = $2, summary = $3 WHERE run_id = $1',
    [runId, succeeded ? 'succeeded' : 'failed', JSON.stringify(summary)],
  )
}

export interface PeriodStatus {
  readonly publication: string
  readonly period: string
  readonly status: 'loaded' | 'failed' | 'held'
  readonly loadId: number
  readonly runId: string
  readonly rows: number | null
  readonly manifestHash: string | null
  readonly finishedAt: string
  readonly error: string | null
  /** Why a held period waits. */
  readonly reason: string | null
  /** The last successful load, when the latest attempt failed or was held. */
  readonly lastLoaded?: { loadId: number; rows: number; finishedAt: string }
  readonly files: readonly { url: string; file: string; sha256: string; source: string; rows: number }[]
}

/** The ledger as it stands: per (publication, period) its latest attempt and the files its data came from. */
export async function ledgerStatus(pool: pg.Pool): Promise<PeriodStatus[]> {
  const latest = await pool.query<{
    publication: string
    period: string
    status: 'loaded' | 'failed' | 'held'
    load_id: string
    run_id: string
    rows_loaded: string | null
    manifest_hash: string | null
    finished_at: Date
    error: string | null
    reason: string | null
    ok_load_id: string | null
    ok_rows: string | null
    ok_finished_at: Date | null
  }>(`
    SELECT DISTINCT ON (l.publication, l.period)
           l.publication, l.period, l.status, l.load_id, l.run_id, l.rows_loaded, l.manifest_hash, l.finished_at, l.error, l.reason,
           ok.load_id AS ok_load_id, ok.rows_loaded AS ok_rows, ok.finished_at AS ok_finished_at
      FROM datawarp.loads l
      LEFT JOIN LATERAL (
        SELECT load_id, rows_loaded, finished_at FROM datawarp.loads o
         WHERE o.publication = l.publication AND o.period = l.period AND o.status = 'loaded'
         ORDER BY load_id DESC LIMIT 1) ok ON true
     ORDER BY l.publication, l.period, l.load_id DESC`)
  const okIds = latest.rows.map((r) => r.ok_load_id).filter((id): id is string => id !== null)
  const files = await pool.query<{
    load_id: string
    url: string
    file_name: string
    sha256: string
    source_key: string
    rows_loaded: string
  }>(
    'SELECT load_id, url, file_name, sha256, source_key, rows_loaded FROM datawarp.load_sources WHERE load_id = ANY($1::bigint[]) ORDER BY load_id, source_key',
    [okIds],
  )
  return latest.rows.map((r) => ({
    publication: r.publication,
    period: r.period,
    status: r.status,
    loadId: Number(r.load_id),
    runId: r.run_id,
    rows: r.rows_loaded === null ? null : Number(r.rows_loaded),
    manifestHash: r.manifest_hash,
    finishedAt: r.finished_at.toISOString(),
    error: r.error,
    reason: r.reason,
    ...(r.status !== 'loaded' && r.ok_load_id
      ? {
          lastLoaded: {
            loadId: Number(r.ok_load_id),
            rows: Number(r.ok_rows),
            finishedAt: r.ok_finished_at!.toISOString(),
          },
        }
      : {}),
    files: files.rows
      .filter((f) => f.load_id === r.ok_load_id)
      .map((f) => ({
        url: f.url,
        file: f.file_name,
        sha256: f.sha256,
        source: f.source_key,
        rows: Number(f.rows_loaded),
      })),
  }))
}
