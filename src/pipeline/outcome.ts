/** What a run did, per publication and period: the summary the CLI prints and the Action reports. */
import type { Contract } from '../model/config.js'
import type { Drift } from '../model/drift.js'

/** held: the period differs from the canonical manifest and waits for review (see the publication's contract). */
export type PeriodStatusKind = 'loaded' | 'skipped' | 'held' | 'failed' | 'planned'

export interface PeriodOutcome {
  readonly period: string
  readonly status: PeriodStatusKind
  readonly rows: number
  readonly durationMs: number
  /** Why it was skipped, or what a dry run would do. */
  readonly reason?: string
  readonly error?: string
  readonly where?: string
  /** Changes to the canonical manifest this period brought. */
  readonly manifestChanges?: readonly string[]
  /** The period's drift against the canonical manifest, when it had any. */
  readonly drift?: Drift
  /** The drift report (Markdown) written in the run folder, when the period had drift. */
  readonly driftReport?: string
  readonly sources?: readonly { source: string; table: string; file: string; rows: number }[]
}

export interface PublicationOutcome {
  readonly code: string
  readonly name?: string
  readonly periods: readonly PeriodOutcome[]
  /** A failure of the publication as a whole (config entry, canonical manifest). */
  readonly error?: string
  readonly where?: string
  /** Discovery: due periods with no file found (not failures). */
  readonly warnings?: readonly string[]
  readonly contract?: Contract
  /** The canonical manifest file, when this run wrote it (a proposal to review, or an applied change). */
  readonly manifestWritten?: string
}

export interface RunSummary {
  readonly runId: string
  readonly startedAt: string
  readonly durationMs: number
  readonly dryRun: boolean
  readonly database?: string
  readonly publications: readonly PublicationOutcome[]
  readonly exported?: { readonly sources: number; readonly catalog: string; readonly durationMs: number }
  /** A failure of the run as a whole (config file unreadable, database unreachable, export failed). */
  readonly error?: string
  readonly errorStage?: 'config' | 'database' | 'export'
  readonly eventLog: string
  readonly stateFile?: string
  /** The run's working folder when kept (a failure), for inspection. */
  readonly workDir?: string
  /** What the cleanup at the end of the run did (settings.retention.cleanup_after_run; see src/retention/). */
  readonly cleanup?: {
    readonly archived: number
    readonly deleted: number
    readonly kept: number
    readonly freedBytes: number
    readonly error?: string
  }
  readonly failed: boolean
}

export function countPeriods(summary: RunSummary, status: PeriodStatusKind): number {
  return summary.publications.reduce((n, p) => n + p.periods.filter((o) => o.status === status).length, 0)
}

export function publicationFailed(outcome: PublicationOutcome): boolean {
  return outcome.error !== undefined || outcome.periods.some((p) => p.status === 'failed')
}
