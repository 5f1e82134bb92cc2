/** A period's files unpacked, extracted and profiled into a draft manifest (draft.yaml), in one pass when it fits. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import {
  type ExtractOptions,
  extractFile,
  LayoutChanged,
  mayMeanAnotherLayout,
  unpivotTable,
} from '../extract/index.js'
import { defaultZipLimits, type FetchedFile, unpackZip } from '../fetch/index.js'
import {
  describeDocumentation,
  draftKeys,
  MissingValues,
  profileTable,
  wantsUnpivot,
} from '../manifest/index.js'
import type { DraftManifest, DraftSource } from '../model/manifest.js'
import { DataWarpError, type Documentation, type LocalFile, type SkippedPart } from '../model/table.js'
import { type ManifestState, matchBase, type PeriodContext, type PeriodTableFile } from './period-context.js'
import type { PendingPeriodLoad } from './period-load.js'
import { guessFirstManifest, startSinglePass } from './single-pass.js'

export interface DraftedPeriod {
  readonly draft: DraftManifest
  readonly tables: readonly PeriodTableFile[]
  /** Notes and contents-sheet lines, by file. */
  readonly notes: ReadonlyMap<string, readonly string[]>
  /** Tables of field definitions in the release's files (not loaded). */
  readonly documentation: readonly Documentation[]
}

/**
 * Extracts every table of the period's files and profiles it into a draft manifest. When the headers match the
 * manifest, the tables are profiled while copied in one pass; the copy is handed to `pending` at once.
 */
export async function draftPeriod(
  ctx: PeriodContext,
  period: string,
  fetched: readonly FetchedFile[],
  dir: string,
  state: ManifestState,
  pending: PendingPeriodLoad,
): Promise<DraftedPeriod> {
  const unpacked = await unpackAll(ctx, fetched, join(dir, 'unpacked'))
  const extracted = await extractPeriod(ctx, period, fetched, unpacked, 'first-rows')
  try {
    return await draftTables(ctx, period, extracted, dir, state, pending)
  } catch (error) {
    if (!foundAgainInAllRows(error, extracted.tablesFromFirstRows)) throw error
    // A copy made before the error holds the publication's lock: the second reading takes it again.
    await pending.release()
    ctx.log.emit({
      publication: ctx.publication.code,
      period,
      event: 'extract.read_again',
      source: error.where.file,
      message:
        error instanceof LayoutChanged
          ? error.message
          : `${error.message}; its tables were found in its first rows, so they are found again from all its rows`,
    })
    const again = await extractPeriod(ctx, period, fetched, unpacked, 'all-rows', extracted.skipped)
    return draftTables(ctx, period, again, dir, state, pending)
  }
}

/**
 * A CSV's tables are found in its first rows and checked as it is read: when the rest holds another layout, or
 * a row of it does not fit the table (a wider table further down), its tables are found again from all its rows.
 * An error that recurs then stands.
 */
function foundAgainInAllRows(error: unknown, fromFirstRows: ReadonlySet<string>): error is DataWarpError {
  return mayMeanAnotherLayout(error) && fromFirstRows.has(error.where.file ?? '')
}

type ExtractedPeriod = Awaited<ReturnType<typeof extractPeriod>>

async function draftTables(
  ctx: PeriodContext,
  period: string,
  extracted: ExtractedPeriod,
  dir: string,
  state: ManifestState,
  pending: PendingPeriodLoad,
): Promise<DraftedPeriod> {
  const scope = { publication: ctx.publication.code, period }
  const { notes, skipped, documentation } = extracted
  const tables = [...extracted.tables]
  const canonical = state.current
  const keys = draftKeys(tables.map((t) => t.table))
  // A source set to `unpivot` in the canonical manifest is drafted and loaded long (a row per period).
  for (const [i, t] of tables.entries())
    if (wantsUnpivot(canonical, keys[i]!, t.table)) tables[i] = { ...t, table: unpivotTable(t.table) }
  const missing = MissingValues.of(canonical)
  const base = matchBase(ctx.publication.contract, state)
  // A publication's first period has no manifest yet: one guessed from the first rows lets it be read once too.
  const guess = base
    ? undefined
    : await guessFirstManifest(ctx, ctx.publication, period, tables, keys, missing)
  const singlePass = await startSinglePass(
    ctx,
    period,
    tables,
    keys,
    base ?? guess,
    missing,
    guess !== undefined,
  )
  pending.adopt(singlePass)
  const sources: DraftSource[] = singlePass ? [...singlePass.sources] : []
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
  const documented = describeDocumentation(documentation, sources)
  for (const doc of documented) {
    const described = doc.describes.map((d) => `${d.columns.length} column(s) of "${d.source}"`)
    ctx.log.emit({
      ...scope,
      event: 'extract.documentation',
      source: doc.zip ? `${doc.zip}/${doc.file}` : doc.file,
      sheet: doc.sheet,
      message: `documentation, not loaded: ${doc.definitions} field definitions, describing ${described.length > 0 ? described.join(', ') : 'no column of this release'}${doc.unmatched > 0 ? `; ${doc.unmatched} name no column here` : ''}`,
    })
  }
  const draft: DraftManifest = {
    publication: ctx.publication.code,
    period,
    sources,
    skipped,
    ...(documented.length > 0 ? { documentation: documented } : {}),
  }
  writeFileSync(join(dir, 'draft.yaml'), stringify(draft, { lineWidth: 0 }))
  return { draft, tables, notes, documentation }
}

/** Every table of the period's files (ZIPs unpacked), with the notes found and the parts skipped (logged). */
async function extractPeriod(
  ctx: PeriodContext,
  period: string,
  fetched: readonly FetchedFile[],
  unpacked: UnpackedFiles,
  csvTablesFrom: ExtractOptions['csvTablesFrom'],
  /** Parts an earlier extraction of the period logged already. */
  logged: readonly SkippedPart[] = [],
): Promise<{
  tables: PeriodTableFile[]
  notes: Map<string, string[]>
  skipped: SkippedPart[]
  documentation: Documentation[]
  /** The files whose tables were found in their first rows only (by their names, as errors give them). */
  tablesFromFirstRows: Set<string>
}> {
  const scope = { publication: ctx.publication.code, period }
  const files = unpacked.files
  const skipped = [...unpacked.skipped]
  const tablesFromFirstRows = new Set<string>()
  const tables: PeriodTableFile[] = []
  const notes = new Map<string, string[]>()
  const documentation: Documentation[] = []
  for (const { file, fetched: from } of files) {
    const extracted = await ctx.log.stage(
      'extract',
      { ...scope, source: file.fileName },
      () => extractFile(file, { csvTablesFrom }),
      (r) => r.tables.length,
    )
    skipped.push(...extracted.skipped)
    if (extracted.tablesFromFirstRows) tablesFromFirstRows.add(file.fileName)
    documentation.push(...(extracted.documentation ?? []))
    if (extracted.notes) notes.set(file.fileName, [...(notes.get(file.fileName) ?? []), ...extracted.notes])
    for (const table of extracted.tables) {
      tables.push({ table, fetched: from, name: file.zip ? `${file.zip}/${file.fileName}` : file.fileName })
    }
  }
  const seen = new Set(logged.map((part) => JSON.stringify(part)))
  for (const part of skipped.filter((p) => !seen.has(JSON.stringify(p)))) {
    ctx.log.emit({
      ...scope,
      event: 'extract.skipped_part',
      source: part.file,
      sheet: part.sheet,
      message: part.reason,
    })
  }
  if (tables.length === 0) {
    const docs =
      documentation.length > 0
        ? ` (only documentation: ${documentation.length} table(s) of field definitions)`
        : ''
    throw new DataWarpError(`no data tables found in ${fetched.map((f) => f.fileName).join(', ')}${docs}`, {
      file: fetched[0]?.fileName,
    })
  }
  return { tables, notes, skipped, documentation, tablesFromFirstRows }
}

interface UnpackedFiles {
  readonly files: readonly { file: LocalFile; fetched: FetchedFile }[]
  readonly skipped: readonly SkippedPart[]
}

async function unpackAll(
  ctx: PeriodContext,
  fetched: readonly FetchedFile[],
  dir: string,
): Promise<UnpackedFiles> {
  const files: { file: LocalFile; fetched: FetchedFile }[] = []
  const skipped: SkippedPart[] = []
  for (const f of fetched) {
    if (f.kind !== 'zip') {
      files.push({ file: { path: f.path, fileName: f.fileName, kind: f.kind }, fetched: f })
      continue
    }
    const unpacked = await unpackZip(f, dir, defaultZipLimits(ctx.config.settings.fetch.max_bytes))
    for (const m of unpacked.members)
      files.push({ file: { path: m.path, fileName: m.name, kind: m.kind, zip: f.fileName }, fetched: f })
    for (const i of unpacked.ignored) skipped.push({ file: `${f.fileName}/${i.name}`, reason: i.reason })
  }
  return { files, skipped }
}
