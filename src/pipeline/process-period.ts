import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { stringify } from 'yaml'
import { isUpToDate, type LastLoad, lastSuccessfulLoad } from '../db/index.js'
import { type EnrichResult, enrichManifest, withTextOf } from '../enrich/index.js'
import { extractFile, unpivotTable } from '../extract/index.js'
import { type FetchedFile, fetchToFile, type HttpSession, unpackZip } from '../fetch/index.js'
import { loadPeriod, recordFailedLoad, recordHeldLoad } from '../load/index.js'
import {
  applyContract,
  draftKeys,
  MissingValues,
  manifestHash,
  profileTable,
  type Reconciliation,
  reconcile,
  renderDriftReport,
  wantsUnpivot,
  writeCanonicalManifest,
} from '../manifest/index.js'
import type { Config, PeriodSource, Publication } from '../model/config.js'
import type { Drift } from '../model/drift.js'
import type { CanonicalManifest, DraftManifest } from '../model/manifest.js'
import { DataWarpError, type ExtractedTable, type LocalFile, type SkippedPart } from '../model/table.js'
import { type EventLog, errorDetail } from '../observe/index.js'
import { allowedHostsFor, unchangedWithoutDownload } from './discovery-step.js'
import type { PeriodOutcome } from './outcome.js'
import { periodTablesOf, type SinglePass, startSinglePass } from './single-pass.js'

export interface PeriodContext {
  readonly pool: pg.Pool
  readonly config: Config
  readonly publication: Publication
  readonly log: EventLog
  readonly workDir: string
  readonly manifestPath: string
  readonly force: boolean
  readonly dryRun: boolean
  readonly onRows?: (source: string, rows: number) => void
  /** Downloads of this run by URL: each URL is fetched once per run, whichever periods name it. */
  readonly downloads: Map<string, Promise<FetchedFile>>
  /** Conditional requests (ETag / Last-Modified kept in the database); without it every file is downloaded. */
  readonly http?: HttpSession
}

export interface PeriodTableFile {
  readonly table: ExtractedTable
  readonly fetched: FetchedFile
  readonly name: string
}

/** A publication's canonical manifest through a run. */
export interface ManifestState {
  /** As the run found it: what the hold contract compares every period with. */
  readonly atStart: CanonicalManifest | undefined
  /** What loads use: the manifest at start, plus the additive changes evolve applied during the run. */
  current: CanonicalManifest | undefined
  /** What the canonical file says after the run: the changes of every period loaded or held. */
  proposed: CanonicalManifest | undefined
}

/** What a period is matched to: the manifest as the run found it under hold, else as the run has evolved it. */
function matchBase(contract: Publication['contract'], state: ManifestState): CanonicalManifest | undefined {
  return contract === 'hold' ? state.atStart : state.current
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
  const started = Date.now()
  const scope = { publication: ctx.publication.code, period }
  const dir = join(ctx.workDir, ctx.publication.code, period)
  mkdirSync(dir, { recursive: true })
  let hash: string | undefined
  let singlePass: SinglePass | undefined
  const elapsed = () => Date.now() - started
  try {
    const notModified = await unchangedWithoutDownload(ctx, period, entries, state.current)
    if (notModified) return { period, status: 'skipped', rows: 0, durationMs: elapsed(), reason: notModified }
    const fetched = await fetchAll(ctx, entries, join(dir, 'files'))
    const last: LastLoad | undefined = await lastSuccessfulLoad(ctx.pool, ctx.publication.code, period)
    if (!ctx.force && isUpToDate(last, fetched, state.current)) {
      const reason = `unchanged since load ${last!.loadId} (${last!.finishedAt.toISOString()})`
      ctx.log.emit({ ...scope, event: 'period.skipped', message: reason })
      return { period, status: 'skipped', rows: 0, durationMs: elapsed(), reason }
    }

    const drafted = await draftPeriod(ctx, period, fetched, dir, state)
    singlePass = drafted.singlePass
    const { draft, tables, notes } = drafted
    const contract = ctx.publication.contract
    const base = matchBase(contract, state)
    const reconciled = reconcile(ctx.publication, base, draft)
    hash = manifestHash(reconciled.manifest)
    const decision = applyContract(
      contract,
      reconciled.driftClass,
      reconciled.changes,
      reconciled.drift.firstManifest,
    )
    for (const change of reconciled.changes)
      ctx.log.emit({ ...scope, event: 'manifest.change', message: change })
    const report = reconciled.driftClass === 'none' ? undefined : writeDrift(dir, reconciled.drift)
    if (report) {
      ctx.log.emit({
        ...scope,
        event: 'drift',
        drift_class: reconciled.driftClass,
        changes: reconciled.changes.length,
        message: report,
      })
    }
    const driftFields = {
      manifestChanges: reconciled.changes,
      ...(reconciled.driftClass !== 'none' ? { drift: reconciled.drift } : {}),
      ...(report ? { driftReport: report } : {}),
    }
    if (ctx.dryRun) {
      const rows = draft.sources.reduce((n, s) => n + s.rows, 0)
      const would =
        decision.action === 'load'
          ? last
            ? `would reload (load ${last.loadId} used other files or fields)`
            : 'would load (never loaded)'
          : `would ${decision.action}: ${decision.reason}`
      return { period, status: 'planned', rows, durationMs: elapsed(), reason: would, ...driftFields }
    }
    if (decision.action === 'fail') throw new DataWarpError(decision.reason)
    // The proposal collects every period's changes, loaded or held; loads use the manifest they were matched to.
    // Usually the proposal is the manifest the period was matched to: reconcile again only when it is not.
    const proposed = state.proposed === base ? reconciled : reconcile(ctx.publication, state.proposed, draft)
    const enriched = await enrichProposal(ctx, period, dir, draft, tables, notes, proposed)
    const proposal = enriched.manifest
    const llm = enriched.usage
      ? {
          tokens: enriched.usage.promptTokens + enriched.usage.completionTokens,
          costUsd: enriched.usage.costUsd,
        }
      : undefined
    if (decision.action === 'hold') {
      state.proposed = proposal
      writeProposal(ctx, scope, proposal)
      await recordHeldLoad(ctx.pool, {
        runId: ctx.log.runId,
        publication: ctx.publication.code,
        period,
        startedAt: started,
        reason: decision.reason,
        manifestHash: hash,
        llm,
      })
      ctx.log.emit({ ...scope, level: 'warn', event: 'period.held', message: decision.reason })
      return {
        period,
        status: 'held',
        rows: 0,
        durationMs: elapsed(),
        reason: decision.reason,
        ...driftFields,
      }
    }

    // The loaded manifest carries the enrichment of what is new, so datawarp.sources has its text at once.
    const loaded = withTextOf(reconciled.manifest, proposal)
    hash = manifestHash(loaded)
    const periodTables = periodTablesOf(reconciled.bindings, tables)
    const copied = singlePass?.fits(periodTables) ? singlePass : undefined
    if (copied)
      ctx.log.emit({ ...scope, event: 'load.single_pass', message: 'read once: profiled while copied' })
    // A copy that does not fit is rolled back before the load, which waits for the same publication lock.
    else await singlePass?.pending.rollback().catch(() => undefined)
    const result = copied
      ? await copied.pending.commit({ manifest: loaded, manifestHash: hash, ...(llm ? { llm } : {}) })
      : await ctx.log.stage(
          'load',
          scope,
          () =>
            loadPeriod(ctx.pool, {
              runId: ctx.log.runId,
              publication: ctx.publication,
              period,
              manifest: loaded,
              manifestHash: hash!,
              llm,
              tables: periodTables,
              onRows: ctx.onRows,
            }),
          (r) => r.rows,
        )
    for (const change of result.schemaChanges)
      ctx.log.emit({ ...scope, event: 'load.schema_change', message: change })
    if (contract !== 'hold') state.current = loaded
    state.proposed = proposal
    writeProposal(ctx, scope, proposal)
    return {
      period,
      status: 'loaded',
      rows: result.rows,
      durationMs: elapsed(),
      ...driftFields,
      sources: result.sources.map((s) => ({
        source: s.sourceKey,
        table: s.table,
        file: s.file,
        rows: s.rows,
      })),
    }
  } catch (error) {
    const detail = errorDetail(error)
    ctx.log.emit({ ...scope, level: 'error', event: 'period.failed', error: detail })
    if (!ctx.dryRun) {
      await recordFailedLoad(ctx.pool, {
        runId: ctx.log.runId,
        publication: ctx.publication.code,
        period,
        startedAt: started,
        error: detail.message,
        where: detail.where,
        manifestHash: hash,
      }).catch((e) =>
        ctx.log.emit({ ...scope, level: 'error', event: 'ledger.error', error: errorDetail(e) }),
      )
    }
    return {
      period,
      status: 'failed',
      rows: 0,
      durationMs: elapsed(),
      error: detail.message,
      ...(detail.where ? { where: detail.where } : {}),
    }
  } finally {
    // Held, planned or failed: a copy made in one pass is not kept (a no-op once committed).
    await singlePass?.pending.rollback().catch(() => undefined)
  }
}

/** Extracts every table of the period's files and profiles it into a draft manifest (draft.yaml). */
async function draftPeriod(
  ctx: PeriodContext,
  period: string,
  fetched: readonly FetchedFile[],
  dir: string,
  state: ManifestState,
): Promise<{
  draft: DraftManifest
  tables: PeriodTableFile[]
  notes: Map<string, string[]>
  singlePass?: SinglePass
}> {
  const canonical = state.current
  const scope = { publication: ctx.publication.code, period }
  const { files, skipped } = await unpackAll(ctx, fetched, join(dir, 'unpacked'))
  const tables: PeriodTableFile[] = []
  const notes = new Map<string, string[]>()
  for (const { file, fetched: from } of files) {
    const extracted = await ctx.log.stage(
      'extract',
      { ...scope, source: file.fileName },
      () => extractFile(file),
      (r) => r.tables.length,
    )
    skipped.push(...extracted.skipped)
    if (extracted.notes) notes.set(file.fileName, [...(notes.get(file.fileName) ?? []), ...extracted.notes])
    for (const table of extracted.tables) {
      tables.push({ table, fetched: from, name: file.zip ? `${file.zip}/${file.fileName}` : file.fileName })
    }
  }
  for (const part of skipped) {
    ctx.log.emit({
      ...scope,
      event: 'extract.skipped_part',
      source: part.file,
      sheet: part.sheet,
      message: part.reason,
    })
  }
  if (tables.length === 0) {
    throw new DataWarpError(`no data tables found in ${fetched.map((f) => f.fileName).join(', ')}`, {
      file: fetched[0]?.fileName,
    })
  }
  const keys = draftKeys(tables.map((t) => t.table))
  // A source set to `unpivot` in the canonical manifest is drafted and loaded long (a row per period).
  for (const [i, t] of tables.entries())
    if (wantsUnpivot(canonical, keys[i]!, t.table)) tables[i] = { ...t, table: unpivotTable(t.table) }
  const missing = MissingValues.of(canonical)
  const base = matchBase(ctx.publication.contract, state)
  const singlePass = await startSinglePass(ctx, period, tables, keys, base, missing)
  try {
    const sources = singlePass ? [...singlePass.sources] : []
    for (const [i, t] of singlePass ? [] : tables.entries()) {
      sources.push(
        await ctx.log.stage(
          'profile',
          { ...scope, source: keys[i] },
          () => profileTable(t.table, keys[i]!, missing),
          (s) => s.rows,
        ),
      )
    }
    const draft: DraftManifest = { publication: ctx.publication.code, period, sources, skipped }
    writeFileSync(join(dir, 'draft.yaml'), stringify(draft, { lineWidth: 0 }))
    return { draft, tables, notes, ...(singlePass ? { singlePass } : {}) }
  } catch (error) {
    // The caller never sees this copy: its transaction (and the publication's lock) must not outlive the error.
    await singlePass?.pending.rollback().catch(() => undefined)
    throw error
  }
}

/**
 * Titles, descriptions, units and roles for what is new in the proposal (offline, or through the configured
 * LLM; an LLM failure falls back to offline with a warning, never fails the period).
 */
async function enrichProposal(
  ctx: PeriodContext,
  period: string,
  dir: string,
  draft: DraftManifest,
  tables: readonly PeriodTableFile[],
  sheetNotes: ReadonlyMap<string, readonly string[]>,
  proposed: Reconciliation,
): Promise<EnrichResult> {
  const scope = { publication: ctx.publication.code, period }
  // Per file: each table's own title first, then the notes in its header, then its notes and contents sheets.
  const fileNotes = new Map<string, string[]>()
  const add = (file: string, lines: readonly string[]) =>
    fileNotes.set(file, [...(fileNotes.get(file) ?? []), ...lines])
  for (const { table: t } of tables)
    add(t.file, [...(t.sheet && t.title ? [`${t.sheet}: ${t.title}`] : []), ...(t.notes ?? [])])
  for (const [file, lines] of sheetNotes) add(file, lines)
  const notes = new Set([...fileNotes.values()].flat())
  const enriched = await ctx.log.stage('enrich', scope, () =>
    enrichManifest({
      manifest: proposed.manifest,
      drift: proposed.drift,
      draft,
      context: {
        publication: { code: ctx.publication.code, name: ctx.publication.name },
        period,
        notes: [...notes],
        fileNotes,
      },
      settings: ctx.config.settings.llm,
      workDir: dir,
      pool: ctx.pool,
    }),
  )
  for (const message of enriched.warnings)
    ctx.log.emit({ ...scope, level: 'warn', event: 'enrich.warning', message })
  const u = enriched.usage
  ctx.log.emit({
    ...scope,
    event: 'enrich',
    method: enriched.method,
    ...(u
      ? {
          model: u.model,
          llm_tokens: u.promptTokens + u.completionTokens,
          llm_cost_usd: u.costUsd,
          llm_requests: u.requests,
          llm_cached: u.cached,
        }
      : {}),
  })
  return enriched
}

/** drift.json and drift.md in the period's working folder; returns the Markdown. */
function writeDrift(dir: string, drift: Drift): string {
  const report = renderDriftReport(drift)
  writeFileSync(join(dir, 'drift.json'), `${JSON.stringify(drift, null, 2)}\n`)
  writeFileSync(join(dir, 'drift.md'), report)
  return report
}

function writeProposal(
  ctx: PeriodContext,
  scope: { publication: string; period: string },
  manifest: CanonicalManifest,
) {
  if (writeCanonicalManifest(ctx.manifestPath, manifest)) {
    ctx.log.emit({ ...scope, event: 'manifest.written', message: ctx.manifestPath })
  }
}

async function fetchAll(
  ctx: PeriodContext,
  entries: readonly PeriodSource[],
  dir: string,
): Promise<FetchedFile[]> {
  const settings = ctx.config.settings.fetch
  const fetched: FetchedFile[] = []
  for (const entry of entries) {
    const scope = { publication: ctx.publication.code, period: entry.period, source: entry.url }
    try {
      const key = new URL(entry.url, `file://${ctx.config.baseDir}/`).toString()
      let download = ctx.downloads.get(key)
      if (!download) {
        download = ctx.log.stage('fetch', scope, () =>
          fetchToFile(entry.url, dir, {
            ...allowedHostsFor(ctx.publication, entry),
            timeoutMs: settings.timeout_seconds * 1000,
            retries: settings.retries,
            maxBytes: settings.max_bytes,
            baseDir: ctx.config.baseDir,
            onAttempt: (a) => {
              if (a.error)
                ctx.log.emit({
                  ...scope,
                  level: 'warn',
                  event: 'fetch.retry',
                  attempt: a.attempt,
                  message: a.error,
                })
            },
          }),
        )
        ctx.downloads.set(key, download)
        await ctx.http?.remember(await download)
      }
      fetched.push(await download)
    } catch (error) {
      throw new DataWarpError(errorDetail(error).message, { file: ctx.config.file, line: entry.line })
    }
  }
  return fetched
}

async function unpackAll(
  ctx: PeriodContext,
  fetched: readonly FetchedFile[],
  dir: string,
): Promise<{ files: { file: LocalFile; fetched: FetchedFile }[]; skipped: SkippedPart[] }> {
  const files: { file: LocalFile; fetched: FetchedFile }[] = []
  const skipped: SkippedPart[] = []
  for (const f of fetched) {
    if (f.kind !== 'zip') {
      files.push({ file: { path: f.path, fileName: f.fileName, kind: f.kind }, fetched: f })
      continue
    }
    const unpacked = await unpackZip(f, dir, {
      maxTotalBytes: ctx.config.settings.fetch.max_bytes,
      maxEntries: 10_000,
      maxRatio: 200,
    })
    for (const m of unpacked.members)
      files.push({ file: { path: m.path, fileName: m.name, kind: m.kind, zip: f.fileName }, fetched: f })
    for (const i of unpacked.ignored) skipped.push({ file: `${f.fileName}/${i.name}`, reason: i.reason })
  }
  return { files, skipped }
}
