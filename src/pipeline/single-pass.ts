/** Reading a period once: profiling it while it is copied into PostgreSQL, when its headers match the manifest. */
import { mayMeanAnotherLayout } from '../extract/index.js'
import { beginPeriodLoad, type PendingLoad, type PeriodTable } from '../load/index.js'
import { type MissingValues, manifestHash, reconcile, TableProfile } from '../manifest/index.js'
import type { Publication } from '../model/config.js'
import type { CanonicalManifest, DraftSource } from '../model/manifest.js'
import { cpuClock, errorDetail } from '../observe/index.js'
import { type PeriodContext, type PeriodTableFile, periodTablesOf } from './period-context.js'

/**
 * A period read once: profiled while it was copied into PostgreSQL with the canonical manifest's types. The
 * transaction stays open until the run has matched the profile to the manifest like any other period; the
 * load is kept only when that gives the same tables, columns and types the COPY used.
 */
export interface SinglePass {
  /** The profile of each table, as profileTable would give it. */
  readonly sources: readonly DraftSource[]
  readonly pending: PendingLoad
  /** Whether the load the period's match calls for is the one already copied. */
  fits(tables: readonly PeriodTable[]): boolean
}

/**
 * Copies the period while profiling it, when its headers alone match the canonical manifest with no change (the
 * usual month of a settled publication). Undefined when they do not, or when the copy fails on the way (a value
 * that no longer fits its column's type): the period is then read the usual way, profile first.
 */
export async function startSinglePass(
  ctx: PeriodContext,
  period: string,
  tables: readonly PeriodTableFile[],
  keys: readonly string[],
  base: CanonicalManifest | undefined,
  missing: MissingValues,
  /** The base is a guess from a sample of the rows (a first load): a copy given up on is no warning then. */
  guessed = false,
): Promise<SinglePass | undefined> {
  if (ctx.dryRun || !base) return undefined
  const scope = { publication: ctx.publication.code, period }
  // Headers only: no rows, so no type can change; the COPY checks every value against the manifest's types.
  const headers = tables.map((t, i) => new TableProfile(t.table, keys[i]!, missing).result())
  const matched = reconcile(ctx.publication, base, {
    publication: ctx.publication.code,
    period,
    sources: headers,
    skipped: [],
  })
  if (matched.driftClass !== 'none') return undefined

  const profiles = tables.map((t, i) => new TableProfile(t.table, keys[i]!, missing))
  const copied = periodTablesOf(matched.bindings, tables)
  // Timed like a stage, but a copy given up on is a warning: the period is then read the usual way.
  const started = Date.now()
  const cpu = cpuClock()
  const stage = { ...scope, message: 'profiled while copied (one pass)' }
  ctx.log.emit({ ...stage, level: 'debug', event: 'load.start' })
  try {
    const pending = await beginPeriodLoad(
      ctx.pool,
      {
        runId: ctx.log.runId,
        publication: ctx.publication,
        period,
        manifest: matched.manifest,
        manifestHash: manifestHash(matched.manifest),
        tables: copied,
        onRows: ctx.onRows,
      },
      profiles,
    )
    const rows = pending.sources.reduce((n, s) => n + s.rows, 0)
    ctx.log.emit({ ...stage, event: 'load.end', duration_ms: Date.now() - started, cpu_ms: cpu(), rows })
    return {
      sources: profiles.map((p) => p.result()),
      pending,
      fits: (wanted) => sameLoad(copied, wanted),
    }
  } catch (error) {
    // A reading error, not a value: the usual way would meet it again (and the period may be extracted again).
    if (mayMeanAnotherLayout(error)) throw error
    ctx.log.emit({
      ...scope,
      level: guessed ? 'info' : 'warn',
      event: 'load.single_pass_abandoned',
      duration_ms: Date.now() - started,
      message: errorDetail(error).message,
    })
    return undefined
  }
}

/** Same tables in the same order, each into the same table with the same columns of the same types. */
function sameLoad(a: readonly PeriodTable[], b: readonly PeriodTable[]): boolean {
  const shape = (t: PeriodTable) => {
    const types = new Map(t.binding.source.schema.fields.map((f) => [f.name, f.type]))
    return JSON.stringify([
      t.binding.source.key,
      t.binding.source.table,
      t.binding.source.schema.missingValues ?? [],
      t.binding.columns.map((c) => [c, types.get(c)]),
      t.file,
    ])
  }
  return a.length === b.length && a.every((t, i) => t.table === b[i]!.table && shape(t) === shape(b[i]!))
}

/** Rows of each table a first load profiles before it guesses the manifest its one pass copies with. */
export const SAMPLE_ROWS = 20_000

/**
 * The manifest a publication's first load would get, guessed from the first rows of each table: a first load
 * can then be read once too, profiled while copied with these types. The guess is only a start: the load is
 * kept only when the whole profile gives the same tables and types (else it is rolled back and the period is
 * read the usual way), and a value the guessed type cannot hold stops the copy. Undefined when the period
 * would not be loaded anyway (a dry run, the hold contract) or a table has no rows.
 */
export async function guessFirstManifest(
  ctx: PeriodContext,
  publication: Publication,
  period: string,
  tables: readonly PeriodTableFile[],
  keys: readonly string[],
  missing: MissingValues,
): Promise<CanonicalManifest | undefined> {
  if (ctx.dryRun || publication.contract !== 'evolve') return undefined
  const sources: DraftSource[] = []
  for (const [i, t] of tables.entries()) {
    const profile = new TableProfile(t.table, keys[i]!, missing)
    let rows = 0
    for await (const batch of t.table.batches(profile)) {
      profile.add(batch)
      rows += batch.length
      if (rows >= SAMPLE_ROWS) break
    }
    if (rows === 0) return undefined
    sources.push(profile.result())
  }
  const guessed = reconcile(publication, undefined, {
    publication: publication.code,
    period,
    sources,
    skipped: [],
  })
  return guessed.manifest
}
