import type pg from 'pg'
import type { Settings } from '../model/config.js'
import { type EventLog, errorDetail } from '../observe/index.js'
import { cleanupProject } from './cleanup.js'

/** What the cleanup at the end of a run did, for the run summary. */
export interface CleanupAfterRun {
  readonly archived: number
  readonly deleted: number
  readonly kept: number
  /** Bytes under data/ and tmp/ before minus after. */
  readonly freedBytes: number
  readonly error?: string
}

/**
 * The cleanup `datawarp run` ends with (settings.retention.cleanup_after_run): the run's own folder is left
 * alone, the ledger it already has open says which other runs are in progress, and a failure is reported
 * in the summary and the event log but never fails the run.
 */
export async function cleanupAfterRun(
  root: string,
  retention: Settings['retention'],
  pool: pg.Pool,
  runId: string,
  log: EventLog,
): Promise<CleanupAfterRun> {
  try {
    const started = Date.now()
    const report = await cleanupProject({ root, retention, pool, keepRuns: [runId] })
    const total = (which: 'before' | 'after') =>
      report.folders.filter((f) => f.path === 'data' || f.path === 'tmp').reduce((n, f) => n + f[which], 0)
    const result = {
      archived: report.archived.length,
      deleted: report.deleted.length,
      kept: report.kept.length,
      freedBytes: total('before') - total('after'),
    }
    log.emit({ event: 'cleanup.end', duration_ms: Date.now() - started, ...result })
    return result
  } catch (error) {
    const message = errorDetail(error).message
    log.emit({ level: 'warn', event: 'cleanup.warning', message })
    return { archived: 0, deleted: 0, kept: 0, freedBytes: 0, error: message }
  }
}
