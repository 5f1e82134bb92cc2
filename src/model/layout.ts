import { join, resolve } from 'node:path'

/**
 * The design note's layout under the project root, named once: generated data in data/, working files in tmp/.
 * Every stage asks this model for a folder; none writes a project path as a literal.
 */
export interface ProjectPaths {
  readonly root: string
  /** data/: everything a run generates and keeps. */
  readonly data: string
  /** data/db/: the embedded PostgreSQL server's files (when no database URL is given). */
  readonly database: string
  /** data/exports/: the Parquet exports and their catalog. */
  readonly exports: string
  /** data/logs/: the event logs (events/<date>/<run_id>.jsonl). */
  readonly logs: string
  /** data/logs/events/: one folder per UTC day of event logs. */
  readonly events: string
  /** data/archive/logs/: event logs older than retention.logs_days, one gzip per month. */
  readonly logArchive: string
  /** data/state/state.json: what is loaded, for people and the Action. */
  readonly stateFile: string
  /** tmp/: working files, safe to delete between runs. */
  readonly tmp: string
  /** tmp/manifests/: one folder per run (<run_id>/<publication>/<period>/) of downloads, drafts and drift reports. */
  readonly workRoot: string
}

export function projectPaths(root: string): ProjectPaths {
  const base = resolve(root)
  const data = join(base, 'data')
  const logs = join(data, 'logs')
  return {
    root: base,
    data,
    database: join(data, 'db'),
    exports: join(data, 'exports'),
    logs,
    events: join(logs, 'events'),
    logArchive: join(data, 'archive', 'logs'),
    stateFile: join(data, 'state', 'state.json'),
    tmp: join(base, 'tmp'),
    workRoot: join(base, 'tmp', 'manifests'),
  }
}

/** Sortable, unique enough for one machine: 20261127T051500Z-3f9a. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`
}
