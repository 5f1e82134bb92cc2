/** One (publication, period) from files to an outcome: fetch, draft, decide, then load, hold or fail. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { lastSuccessfulLoad } from '../db/index.js'
import { recordFailedLoad, recordHeldLoad } from '../load/index.js'
import { manifestHash, type Reconciliation } from '../manifest/index.js'
import type { PeriodSource } from '../model/config.js'
import { DataWarpError } from '../model/table.js'
import { errorDetail } from '../observe/index.js'
import { decidePeriod, type PeriodDecision, plannedAction, proposalFor } from './decide-period.js'
import { type DraftedPeriod, draftPeriod } from './draft-period.js'
import { enrichLoaded, enrichProposal, llmUsageOf } from './enrich-step.js'
import { fetchPeriodFiles, unchangedSinceLastLoad, unchangedWithoutDownload } from './fetch-step.js'
import type { PeriodOutcome } from './outcome.js'
import { type ManifestState, type PeriodContext, periodTablesOf } from './period-context.js'
import { type DriftFields, reportDrift, writeProposal } from './period-files.js'
import { PendingPeriodLoad } from './period-load.js'

/** One period on its way through the pipeline. */
interface PeriodRun {
  readonly period: string
  readonly scope: { readonly publication: string; readonly period: string }
  /** The period's working folder: files, unpacked, draft.yaml, drift reports. */
  readonly dir: string
  readonly started: number
  readonly pending: PendingPeriodLoad
  /** The hash of the manifest the period was matched to, once known: the ledger records it, failed or not. */
  hash?: string
}

/**
 * One (publication, period): download → skip if already loaded as it stands → extract → draft → match to
 * the canonical manifest → the contract decides: load in one transaction, hold for review, or fail.
 */
export async function processPeriod(
  ctx: PeriodContext,
  period: string,
  entries: readonly PeriodSource[],
  state: ManifestState,
): Promise<PeriodOutcome> {
  const dir = join(ctx.workDir, ctx.publication.code, period)
  mkdirSync(dir, { recursive: true })
  const scope = { publication: ctx.publication.code, period }
  const run: PeriodRun = {
    period,
    scope,
    dir,
    started: Date.now(),
    pending: new PendingPeriodLoad(ctx, period),
  }
  try {
    return await runPeriod(ctx, run, entries, state)
  } catch (error) {
    return await periodFailed(ctx, run, error)
  } finally {
    // Held, planned or failed: a copy made in one pass is not kept (a no-op once committed).
    await run.pending.release()
  }
}

async function runPeriod(
  ctx: PeriodContext,
  run: PeriodRun,
  entries: readonly PeriodSource[],
  state: ManifestState,
): Promise<PeriodOutcome> {
  const last = await lastSuccessfulLoad(ctx.pool, ctx.publication.code, run.period)
  const notModified = await unchangedWithoutDownload(ctx, entries, state.current, last)
  if (notModified) return skipped(ctx, run, notModified)
  const fetched = await fetchPeriodFiles(ctx, entries, run.dir)
  const unchanged = unchangedSinceLastLoad(ctx, fetched, state.current, last)
  if (unchanged) return skipped(ctx, run, unchanged)

  const drafted = await draftPeriod(ctx, run.period, fetched, run.dir, state, run.pending)
  const decided = decidePeriod(ctx.publication, state, drafted.draft)
  run.hash = manifestHash(decided.reconciled.manifest)
  const drift = reportDrift(ctx, run, decided.reconciled)
  const { decision } = decided
  if (ctx.dryRun) {
    const rows = drafted.draft.sources.reduce((n, s) => n + s.rows, 0)
    return { ...outcome(run, 'planned', rows), reason: plannedAction(decision, last), ...drift }
  }
  if (decision.action === 'fail') throw new DataWarpError(decision.reason)
  const proposed = proposalFor(ctx.publication, state, decided, drafted.draft)
  if (decision.action === 'hold')
    return holdPeriod(ctx, run, state, drafted, proposed, decision.reason, drift)
  return loadPeriodStep(ctx, run, state, drafted, decided, proposed, drift)
}

/** Held for review: the proposal (with its enrichment) is written and the ledger records why. */
async function holdPeriod(
  ctx: PeriodContext,
  run: PeriodRun,
  state: ManifestState,
  drafted: DraftedPeriod,
  proposed: Reconciliation,
  reason: string,
  drift: DriftFields,
): Promise<PeriodOutcome> {
  const enriched = await enrichProposal(ctx, run.period, run.dir, drafted, proposed)
  state.proposed = enriched.manifest
  writeProposal(ctx, run, enriched.manifest)
  await recordHeldLoad(ctx.pool, {
    runId: ctx.log.runId,
    publication: ctx.publication.code,
    period: run.period,
    startedAt: run.started,
    reason,
    manifestHash: run.hash,
    llm: llmUsageOf(enriched),
  })
  ctx.log.emit({ ...run.scope, level: 'warn', event: 'period.held', message: reason })
  return { ...outcome(run, 'held', 0), reason, ...drift }
}

/**
 * Loaded in one transaction that never waits on the network: the rows are committed first; enrichment (which
 * may call an LLM) then writes the text of what is new in a short transaction of its own.
 */
async function loadPeriodStep(
  ctx: PeriodContext,
  run: PeriodRun,
  state: ManifestState,
  drafted: DraftedPeriod,
  { reconciled }: PeriodDecision,
  proposed: Reconciliation,
  drift: DriftFields,
): Promise<PeriodOutcome> {
  const tables = periodTablesOf(reconciled.bindings, drafted.tables)
  const result = await run.pending.load(tables, reconciled.manifest, run.hash!)
  for (const change of result.schemaChanges)
    ctx.log.emit({ ...run.scope, event: 'load.schema_change', message: change })
  const proposal = await enrichLoaded(ctx, run.period, run.dir, drafted, proposed, {
    ...result,
    manifest: reconciled.manifest,
    manifestHash: run.hash!,
  })
  const loaded = proposal.loaded
  if (ctx.publication.contract !== 'hold') state.current = loaded
  state.proposed = proposal.manifest
  writeProposal(ctx, run, proposal.manifest)
  const sources = result.sources.map((s) => ({
    source: s.sourceKey,
    table: s.table,
    file: s.file,
    rows: s.rows,
  }))
  return { ...outcome(run, 'loaded', result.rows), ...drift, sources }
}

function skipped(ctx: PeriodContext, run: PeriodRun, reason: string): PeriodOutcome {
  ctx.log.emit({ ...run.scope, event: 'period.skipped', message: reason })
  return { ...outcome(run, 'skipped', 0), reason }
}

/** A failed period: logged, recorded in the ledger (not in a dry run), reported with where it failed. */
async function periodFailed(ctx: PeriodContext, run: PeriodRun, error: unknown): Promise<PeriodOutcome> {
  const detail = errorDetail(error)
  ctx.log.emit({ ...run.scope, level: 'error', event: 'period.failed', error: detail })
  if (!ctx.dryRun) {
    await recordFailedLoad(ctx.pool, {
      runId: ctx.log.runId,
      publication: ctx.publication.code,
      period: run.period,
      startedAt: run.started,
      error: detail.message,
      where: detail.where,
      manifestHash: run.hash,
    }).catch((e) =>
      ctx.log.emit({ ...run.scope, level: 'error', event: 'ledger.error', error: errorDetail(e) }),
    )
  }
  return {
    ...outcome(run, 'failed', 0),
    error: detail.message,
    ...(detail.where ? { where: detail.where } : {}),
  }
}

function outcome(run: PeriodRun, status: PeriodOutcome['status'], rows: number): PeriodOutcome {
  return { period: run.period, status, rows, durationMs: Date.now() - run.started }
}
