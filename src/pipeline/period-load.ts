/** The one owner of a period's pending load: the single-pass copy kept, committed when it fits, else rolled back. */
import { loadPeriod, type PeriodLoadResult, type PeriodTable } from '../load/index.js'
import type { CanonicalManifest } from '../model/manifest.js'
import type { PeriodContext } from './period-context.js'
import type { SinglePass } from './single-pass.js'

/**
 * Holds the copy a period made in one pass (its transaction and the publication's lock) from the moment it is
 * made: the period's one `finally` calls release(), so held, planned and failed periods never keep it.
 */
export class PendingPeriodLoad {
  private pass: SinglePass | undefined

  constructor(
    private readonly ctx: PeriodContext,
    private readonly period: string,
  ) {}

  /** Takes charge of a copy made in one pass. */
  adopt(pass: SinglePass | undefined): void {
    this.pass = pass
  }

  /**
   * Loads the period in one transaction: commits the copy when it is the load the match calls for; otherwise
   * rolls it back first (the load waits for the same publication lock) and loads the tables afresh.
   */
  async load(
    tables: readonly PeriodTable[],
    manifest: CanonicalManifest,
    hash: string,
  ): Promise<PeriodLoadResult> {
    const { ctx, period } = this
    const scope = { publication: ctx.publication.code, period }
    const copied = this.pass?.fits(tables) ? this.pass : undefined
    if (copied) {
      ctx.log.emit({ ...scope, event: 'load.single_pass', message: 'read once: profiled while copied' })
      return copied.pending.commit({ manifest, manifestHash: hash })
    }
    await this.release()
    return ctx.log.stage(
      'load',
      scope,
      () =>
        loadPeriod(ctx.pool, {
          runId: ctx.log.runId,
          publication: ctx.publication,
          period,
          manifest,
          manifestHash: hash,
          tables,
          onRows: ctx.onRows,
        }),
      (r) => r.rows,
    )
  }

  /** Rolls back a copy that was not committed; a no-op once committed or when there is none. */
  async release(): Promise<void> {
    const pass = this.pass
    this.pass = undefined
    await pass?.pending.rollback().catch(() => undefined)
  }
}
