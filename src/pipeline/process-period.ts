import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { stringify } from 'yaml'
import { extractFile } from '../extract/index.js'
import { type FetchedFile, fetchToFile, unpackZip } from '../fetch/index.js'
import {
  isUpToDate,
  type LastLoad,
  lastSuccessfulLoad,
  loadPeriod,
  type PeriodTable,
  recordFailedLoad,
} from '../load/index.js'
import {
  draftKeys,
  manifestHash,
  profileTable,
  reconcile,
  writeCanonicalManifest,
} from '../manifest/index.js'
import type { Config, PeriodSource, Publication } from '../model/config.js'
import type { CanonicalManifest, DraftManifest } from '../model/manifest.js'
import { DataWarpError, type ExtractedTable, type LocalFile, type SkippedPart } from '../model/table.js'
import { type EventLog, errorDetail } from '../observe/index.js'
import type { PeriodOutcome } from './outcome.js'

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
}

interface PeriodTableFile {
  readonly table: ExtractedTable
  readonly fetched: FetchedFile
  readonly name: string
}

/**
 * One (publication, period): download → skip if already loaded as it stands → extract → draft →
 * match to the canonical manifest → load in one transaction. Returns the updated canonical manifest.
 */
export async function processPeriod(
  ctx: PeriodContext,
  period: string,
  entries: readonly PeriodSource[],
  canonical: CanonicalManifest | undefined,
): Promise<{ outcome: PeriodOutcome; manifest: CanonicalManifest | undefined }> {
  const started = Date.now()
  const scope = { publication: ctx.publication.code, period }
  const dir = join(ctx.workDir, ctx.publication.code, period)
  mkdirSync(dir, { recursive: true })
  let hash: string | undefined
  try {
    const fetched = await fetchAll(ctx, entries, join(dir, 'files'))
    const last: LastLoad | undefined = await lastSuccessfulLoad(ctx.pool, ctx.publication.code, period)
    if (!ctx.force && isUpToDate(last, fetched, canonical)) {
      const reason = `unchanged since load ${last!.loadId} (${last!.finishedAt.toISOString()})`
      ctx.log.emit({ ...scope, event: 'period.skipped', message: reason })
      return {
        outcome: { period, status: 'skipped', rows: 0, durationMs: Date.now() - started, reason },
        manifest: canonical,
      }
    }

    const { files, skipped } = await unpackAll(ctx, fetched, join(dir, 'unpacked'))
    const tables: PeriodTableFile[] = []
    for (const { file, fetched: from } of files) {
      const extracted = await ctx.log.stage(
        'extract',
        { ...scope, source: file.fileName },
        () => extractFile(file),
        (r) => r.tables.length,
      )
      skipped.push(...extracted.skipped)
      for (const table of extracted.tables) {
        tables.push({ table, fetched: from, name: file.zip ? `${file.zip}/${file.fileName}` : file.fileName })
      }
    }
    for (const part of skipped)
      ctx.log.emit({
        ...scope,
        level: 'info',
        event: 'extract.skipped_part',
        source: part.file,
        sheet: part.sheet,
        message: part.reason,
      })
    if (tables.length === 0) {
      throw new DataWarpError(`no data tables found in ${fetched.map((f) => f.fileName).join(', ')}`, {
        file: fetched[0]?.fileName,
      })
    }

    const keys = draftKeys(tables.map((t) => t.table))
    const sources = []
    for (const [i, t] of tables.entries()) {
      sources.push(
        await ctx.log.stage(
          'profile',
          { ...scope, source: keys[i] },
          () => profileTable(t.table, keys[i]!),
          (s) => s.rows,
        ),
      )
    }
    const draft: DraftManifest = { publication: ctx.publication.code, period, sources, skipped }
    writeFileSync(join(dir, 'draft.yaml'), stringify(draft, { lineWidth: 0 }))

    const reconciled = reconcile(ctx.publication, canonical, draft)
    hash = manifestHash(reconciled.manifest)
    for (const change of reconciled.changes)
      ctx.log.emit({ ...scope, event: 'manifest.change', message: change })
    if (ctx.dryRun) {
      const rows = sources.reduce((n, s) => n + s.rows, 0)
      return {
        outcome: {
          period,
          status: 'planned',
          rows,
          durationMs: Date.now() - started,
          reason: last
            ? `would reload (load ${last.loadId} used other files or fields)`
            : 'would load (never loaded)',
          manifestChanges: reconciled.changes,
        },
        manifest: reconciled.manifest,
      }
    }

    const periodTables: PeriodTable[] = reconciled.bindings.map((binding, i) => ({
      binding,
      table: tables[i]!.table,
      file: {
        url: tables[i]!.fetched.url,
        name: tables[i]!.name,
        sha256: tables[i]!.fetched.sha256,
        bytes: tables[i]!.fetched.bytes,
      },
    }))
    const result = await ctx.log.stage(
      'load',
      scope,
      () =>
        loadPeriod(ctx.pool, {
          runId: ctx.log.runId,
          publication: ctx.publication,
          period,
          manifest: reconciled.manifest,
          manifestHash: hash!,
          tables: periodTables,
          onRows: ctx.onRows,
        }),
      (r) => r.rows,
    )
    for (const change of result.schemaChanges)
      ctx.log.emit({ ...scope, event: 'load.schema_change', message: change })
    if (reconciled.changed && writeCanonicalManifest(ctx.manifestPath, reconciled.manifest)) {
      ctx.log.emit({ ...scope, event: 'manifest.written', message: ctx.manifestPath })
    }
    return {
      outcome: {
        period,
        status: 'loaded',
        rows: result.rows,
        durationMs: Date.now() - started,
        manifestChanges: reconciled.changes,
        sources: result.sources.map((s) => ({
          source: s.sourceKey,
          table: s.table,
          file: s.file,
          rows: s.rows,
        })),
      },
      manifest: reconciled.manifest,
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
      outcome: {
        period,
        status: 'failed',
        rows: 0,
        durationMs: Date.now() - started,
        error: detail.message,
        ...(detail.where ? { where: detail.where } : {}),
      },
      manifest: canonical,
    }
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
