/** A whole run: config, database, each selected publication under its lock, then export, state file and cleanup. */
import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, loadConfig } from '../config/index.js'
import { type Database, ledgerStatus, openWithLedger, recordRunEnd, recordRunStart } from '../db/index.js'
import { exportAll } from '../export/index.js'
import { FetchSession } from '../fetch/index.js'
import { type Config, LlmSettingsSchema } from '../model/config.js'
import { newRunId, type ProjectPaths, projectPaths } from '../model/layout.js'
import { EventLog, errorDetail, writeStateFile } from '../observe/index.js'
import { cleanupAfterRun } from '../retention/after-run.js'
import { type PublicationOutcome, publicationFailed, type RunSummary } from './outcome.js'
import { runPublication, withRunLock } from './run-publication.js'

export interface RunOptions {
  readonly configPath: string
  /** The project root: data/, tmp/ and canonical manifest paths are relative to it. */
  readonly root: string
  /** A PostgreSQL URL; without one the embedded server under data/db/ is used. */
  readonly databaseUrl?: string
  readonly publications?: readonly string[]
  readonly periods?: readonly string[]
  readonly force?: boolean
  readonly dryRun?: boolean
  /**
   * No export stage: the run loads and leaves data/exports alone. For the legs of a fan-out (one runner per
   * publication, in parallel), whose final job exports once from the database.
   */
  readonly skipExport?: boolean
  /**
   * Overrides settings.llm's base URL and model (the Action's llm-base-url and llm-model inputs), and the LLM's
   * API key (the Action's llm-api-key input).
   */
  readonly llm?: { readonly baseUrl?: string; readonly model?: string; readonly apiKey?: string }
  /** Where the LLM key is looked up, by the name settings.llm.api_key_env gives, without llm.apiKey (the CLI: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly onEvent?: (line: Record<string, unknown>) => void
  readonly onRows?: (publication: string, period: string, source: string, rows: number) => void
  /** The day discovery takes as today (which periods are due, `end: current`); default now. */
  readonly today?: Date
}

/** The config with the run's LLM base URL and model in place of the file's (both needed when the file has none). */
function withLlmOverride(config: Config, llm: RunOptions['llm']): Config {
  if (!llm?.baseUrl && !llm?.model) return config
  const current = config.settings.llm
  const merged = LlmSettingsSchema.parse({
    ...(current ?? {}),
    ...(llm.baseUrl ? { base_url: llm.baseUrl } : {}),
    ...(llm.model ? { model: llm.model } : {}),
  })
  return { ...config, settings: { ...config.settings, llm: merged } }
}

/** The LLM's API key as a value: the run's own, else the variable settings.llm.api_key_env names in options.env. */
function llmApiKeyOf(config: Config, options: RunOptions): string | undefined {
  const name = config.settings.llm?.api_key_env
  return options.llm?.apiKey || (name ? options.env?.[name] : undefined) || undefined
}

/** Runs every selected publication; one publication's failure never stops the others. */
export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const started = new Date()
  const runId = newRunId(started)
  const paths = projectPaths(options.root)
  const log = new EventLog(runId, paths.events, started)
  if (options.onEvent) log.onEvent(options.onEvent)
  const workDir = resolve(paths.workRoot, runId)
  const dryRun = options.dryRun ?? false
  const finish = (parts: Partial<RunSummary> & { publications: PublicationOutcome[] }): RunSummary => {
    const failed = parts.error !== undefined || parts.publications.some(publicationFailed)
    if (!failed && existsSync(workDir)) rmSync(workDir, { recursive: true, force: true })
    const summary: RunSummary = {
      runId,
      startedAt: started.toISOString(),
      durationMs: Date.now() - started.getTime(),
      dryRun,
      eventLog: log.path,
      ...parts,
      ...(failed && existsSync(workDir) ? { workDir } : {}),
      failed,
    }
    log.emit({ level: failed ? 'error' : 'info', event: 'run.end', duration_ms: summary.durationMs, failed })
    return summary
  }
  log.emit({ event: 'run.start', config: options.configPath, dry_run: dryRun, force: options.force ?? false })

  let config: Config
  try {
    config = readConfig(options)
  } catch (error) {
    if (error instanceof UnknownPublications)
      return finish({ publications: [], error: error.message, errorStage: 'config' })
    const message = error instanceof ConfigError ? error.message : errorDetail(error).message
    log.emit({ level: 'error', event: 'config.error', error: { message } })
    return finish({ publications: [], error: message, errorStage: 'config' })
  }
  const selected = (code: string) => !options.publications || options.publications.includes(code)

  let db: Database
  try {
    db = await openWithLedger({ databaseUrl: options.databaseUrl, embeddedDir: paths.database })
  } catch (error) {
    const detail = errorDetail(error)
    log.emit({ level: 'error', event: 'database.error', error: detail })
    return finish({ publications: [], error: detail.message, errorStage: 'database' })
  }
  try {
    if (!dryRun) await recordRunStart(db.pool, runId)
    const outcomes = configProblems(config, selected, log)
    const fetch = new FetchSession({ pool: db.pool, config, workDir, write: !dryRun, log })
    const llmApiKey = llmApiKeyOf(config, options)
    for (const publication of config.publications.filter((p) => selected(p.code))) {
      outcomes.push(
        await withRunLock(db.pool, publication.code, log, dryRun, () =>
          runPublication({ publication, config, pool: db.pool, log, workDir, fetch, llmApiKey }, options),
        ),
      )
    }
    // Every run: the export stage rewrites only the sources the ledger changed since the catalog was written.
    const { exported, error } = !dryRun && !options.skipExport ? await exportStep(db, paths, log) : {}
    let stateFile: string | undefined
    if (!dryRun) {
      writeStateFile(paths.stateFile, await ledgerStatus(db.pool))
      stateFile = paths.stateFile
    }
    const summary = finish({
      publications: outcomes,
      database: db.displayUrl,
      ...(exported ? { exported } : {}),
      ...(stateFile ? { stateFile } : {}),
      ...(error ? { error, errorStage: 'export' as const } : {}),
    })
    if (!dryRun) await recordRunEnd(db.pool, runId, !summary.failed, summary)
    if (!dryRun && config.settings.retention.cleanup_after_run) {
      const cleanup = await cleanupAfterRun(paths.root, config.settings.retention, db.pool, runId, log)
      return { ...summary, cleanup }
    }
    return summary
  } finally {
    await db.close()
  }
}

/** A run's selection names a publication the config does not have. */
class UnknownPublications extends Error {}

/** The config with the run's LLM override; throws on a config that cannot be read or an unknown publication. */
function readConfig(options: RunOptions): Config {
  const config = withLlmOverride(
    loadConfig(options.configPath, {
      root: options.root,
      ...(options.today ? { today: options.today } : {}),
    }),
    options.llm,
  )
  const unknown = (options.publications ?? []).filter(
    (code) =>
      !config.publications.some((p) => p.code === code) &&
      !config.problems.some((p) => p.publication === code),
  )
  if (unknown.length > 0)
    throw new UnknownPublications(
      `no publication ${unknown.map((c) => `"${c}"`).join(', ')} in ${config.file}`,
    )
  return config
}

/** A failed outcome, logged, for each selected publication whose config entry is invalid. */
function configProblems(
  config: Config,
  selected: (code: string) => boolean,
  log: EventLog,
): PublicationOutcome[] {
  const outcomes: PublicationOutcome[] = []
  for (const problem of config.problems) {
    if (!problem.publication || !selected(problem.publication)) continue
    const message = `${problem.field}: ${problem.message}`
    const where = `${problem.file}, line ${problem.line}`
    log.emit({
      level: 'error',
      event: 'config.error',
      publication: problem.publication,
      error: { message, where },
    })
    if (!outcomes.some((o) => o.code === problem.publication))
      outcomes.push({ code: problem.publication, periods: [], error: message, where })
  }
  return outcomes
}

/** The Parquet exports and catalog, brought back to the database (stale sources only); a failure is the run's error, not a throw. */
async function exportStep(
  db: Database,
  paths: ProjectPaths,
  log: EventLog,
): Promise<{ exported?: RunSummary['exported']; error?: string }> {
  try {
    const result = await log.stage(
      'export',
      {},
      () => exportAll(db.pool, paths.exports, { staleOnly: true }),
      (r) => r.sources.length,
    )
    return {
      exported: {
        sources: result.sources.length,
        catalog: result.catalogPath,
        durationMs: result.durationMs,
      },
    }
  } catch (e) {
    return { error: `export failed: ${errorDetail(e).message}` }
  }
}
