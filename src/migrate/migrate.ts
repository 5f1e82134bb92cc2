import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { loadConfig } from '../config/index.js'
import { ensureLedger, ledgerStatus, openDatabase } from '../db/index.js'
import { renderCanonicalManifest, writeCanonicalManifest } from '../manifest/index.js'
import { defaultCanonicalManifestPath } from '../model/config.js'
import { projectPaths } from '../model/layout.js'
import { writeStateFile } from '../observe/index.js'
import { type Consolidation, consolidate } from './consolidate.js'
import { type ConvertedConfig, type ConvertedPublication, convertConfig } from './convert-config.js'
import { updatedGitignore } from './gitignore.js'
import { alreadyImported, importLoads, type MigratedLoad, planStateImport } from './import-state.js'
import { configShape, type LegacyConfig, readLegacyConfig } from './legacy-config.js'
import {
  type Candidate,
  classify,
  type Disposition,
  GENERATED_FOLDERS,
  KEPT_OLD_CONFIG,
  listInputFiles,
  OLD_CONFIG,
} from './legacy-layout.js'

export interface MigrateOptions {
  /** The deployment in the old layout; migrated in place. */
  readonly root: string
  readonly dryRun?: boolean
  /** Delete the old files once everything is migrated (never in a dry run). */
  readonly removeOld?: boolean
  /** The ledger state.json is imported into; without one, an embedded database already in data/db/ is used. */
  readonly databaseUrl?: string
  readonly now?: Date
}

/** created / updated: written (or would be, in a dry run). kept: exists and differs, left as it is. */
export type OutputStatus = 'created' | 'updated' | 'unchanged' | 'kept'

export interface MigrationOutput {
  readonly path: string
  readonly status: OutputStatus
  readonly what: string
}

export interface MigrationInput {
  readonly path: string
  readonly bytes: number
  readonly action: 'migrated' | 'ignored' | 'left'
  /** The new files it went into. */
  readonly into: readonly string[]
  readonly reason: string
  /** Deleted by --remove-old (or would be, in a dry run). */
  readonly removed: boolean
}

export interface PublicationReport {
  readonly code: string
  readonly manifest?: string
  readonly manifestStatus?: OutputStatus
  readonly periods: readonly string[]
  readonly sources: number
  readonly fields: number
  readonly leftOut: readonly { key: string; reason: string }[]
  readonly urls?: number
  readonly withoutFiles: readonly { period: string; page: string }[]
  readonly notes: readonly string[]
  readonly error?: string
}

export interface LedgerReport {
  readonly database?: string
  readonly runId?: string
  /** Loads imported now (or that would be, in a dry run). */
  readonly imported: number
  readonly alreadyImported: number
  readonly skipped: readonly { key: string; reason: string }[]
  readonly failed: readonly string[]
  /** Why nothing was imported, when nothing could be. */
  readonly note?: string
}

export interface MigrationReport {
  readonly root: string
  readonly dryRun: boolean
  readonly removeOld: boolean
  readonly inputs: readonly MigrationInput[]
  readonly outputs: readonly MigrationOutput[]
  readonly publications: readonly PublicationReport[]
  readonly ledger?: LedgerReport
  readonly notes: readonly string[]
  /** Files created, updated or removed and ledger rows written (or that would be, in a dry run). */
  readonly changes: number
  readonly failed: boolean
}

/** A deployment migrate cannot work on (no old layout, a broken config): exit code 2. */
export class MigrationError extends Error {}

/** A config migrate cannot read is a usage problem (exit code 2), not a failure of the migration. */
function asMigrationError<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new MigrationError((error as Error).message)
  }
}

/** The folders of the new layout (the design note's Step 1). */
const NEW_FOLDERS = ['manifests/canonical', 'data/exports', 'data/logs', 'data/state', 'tmp/manifests']

const sameBytes = (path: string, content: Buffer | string) =>
  existsSync(path) && readFileSync(path).equals(Buffer.isBuffer(content) ? content : Buffer.from(content))

function writeAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.tmp-${process.pid}`
  writeFileSync(temp, content)
  renameSync(temp, path)
}

/**
 * Migrates a deployment of the old pipeline to the new layout, in place (the design note's Steps 1–5): the new
 * folders; ONE canonical manifest per publication consolidated from its period manifests; the config in the new
 * shape; .gitignore; the old generated files under data/legacy/; the old state.json in the ledger. Idempotent: a
 * second run finds everything in place and changes nothing. Returns a report that accounts for every file.
 */
export async function migrate(options: MigrateOptions): Promise<MigrationReport> {
  const root = resolve(options.root)
  const dryRun = options.dryRun ?? false
  const removeOld = options.removeOld ?? false
  const now = options.now ?? new Date()
  const outputs: MigrationOutput[] = []
  const notes: string[] = []
  let failed = false
  const output = (path: string, status: OutputStatus, what: string) => outputs.push({ path, status, what })
  const write = (relative: string, content: string | Buffer, what: string): OutputStatus => {
    const path = join(root, relative)
    if (sameBytes(path, content)) {
      output(relative, 'unchanged', what)
      return 'unchanged'
    }
    const status = existsSync(path) ? 'updated' : 'created'
    if (!dryRun) writeAtomic(path, content)
    output(relative, status, what)
    return status
  }

  // The config: the old one to convert (or its kept original, after a first migration), and the new one.
  const configPath = join(root, OLD_CONFIG)
  const keptPath = join(root, KEPT_OLD_CONFIG)
  const shape = existsSync(configPath) ? asMigrationError(() => configShape(configPath)) : undefined
  if (shape === 'unknown')
    throw new MigrationError(
      `${OLD_CONFIG} is neither the old layout's config nor a valid config of ours: fix it first (datawarp validate says what is wrong)`,
    )
  if (!shape && !existsSync(join(root, 'manifests')))
    throw new MigrationError(`no old layout in ${root}: neither ${OLD_CONFIG} nor manifests/ is there`)
  const legacyPath = shape === 'old' ? configPath : existsSync(keptPath) ? keptPath : undefined
  const legacy: LegacyConfig | undefined = legacyPath
    ? asMigrationError(() => readLegacyConfig(legacyPath))
    : undefined
  const current = shape === 'new' ? loadConfig(configPath) : undefined
  const targets: { code: string; name: string; description?: string; canonicalManifest: string }[] = current
    ? current.publications.map((p) => ({
        code: p.code,
        name: p.name,
        ...(p.description ? { description: p.description } : {}),
        canonicalManifest: p.canonicalManifest,
      }))
    : (legacy?.publications ?? []).map((p) => ({
        code: p.code,
        name: p.name,
        ...(p.description ? { description: p.description } : {}),
        canonicalManifest: defaultCanonicalManifestPath(p.code),
      }))
  const targetCodes = new Set(targets.map((t) => t.code))
  const known = [
    ...(legacy?.publications ?? []).map((p) => ({
      code: p.code,
      ...(p.landingPage ? { landingPage: p.landingPage } : {}),
    })),
    ...targets
      .filter((t) => !legacy?.publications.some((p) => p.code === t.code))
      .map((t) => ({ code: t.code })),
  ]

  // Every file of the old layout, and what becomes of it.
  const files = listInputFiles(root).filter((f) => !(f.path === OLD_CONFIG && shape === 'new'))
  const dispositions = new Map<string, Disposition>()
  for (const file of files) {
    let d = classify(root, file.path, known)
    if (d.action === 'candidate' && !targetCodes.has(d.candidate.publication))
      d = {
        action: 'ignored',
        reason: `its publication "${d.candidate.publication}" is no longer in the config`,
        disposable: false,
      }
    dispositions.set(file.path, d)
  }
  const candidates = [...dispositions.values()].flatMap((d) =>
    d.action === 'candidate' ? [d.candidate] : [],
  )
  const candidatesOf = (code: string, period?: string) =>
    candidates.filter((c) => c.publication === code && (period === undefined || c.period === period))

  // Step 1: the new folders.
  for (const folder of NEW_FOLDERS) {
    if (existsSync(join(root, folder))) continue
    if (!dryRun) mkdirSync(join(root, folder), { recursive: true })
    output(`${folder}/`, 'created', 'folder of the new layout')
  }

  // Step 2: one canonical manifest per publication.
  const consolidations = new Map<string, Consolidation & { path: string }>()
  const publications: PublicationReport[] = []
  for (const target of targets) {
    const own = candidatesOf(target.code)
    const base = { code: target.code, leftOut: [], withoutFiles: [], notes: [] }
    if (own.length === 0) {
      publications.push({
        ...base,
        periods: [],
        sources: 0,
        fields: 0,
        notes: [
          'no period manifests in the old layout: the first `datawarp run` drafts its canonical manifest',
        ],
      })
      continue
    }
    try {
      const result = consolidate(target, own)
      const path = target.canonicalManifest
      const text = renderCanonicalManifest(result.manifest)
      const absolute = join(root, path)
      const what = `canonical manifest of ${target.code}`
      let status: OutputStatus
      if (!existsSync(absolute)) {
        status = 'created'
        if (!dryRun) writeCanonicalManifest(absolute, result.manifest)
      } else if (sameBytes(absolute, text)) status = 'unchanged'
      else status = 'kept'
      output(
        path,
        status,
        status === 'kept'
          ? `${what}: exists and differs from the consolidation (a run or a person changed it): left as it is`
          : what,
      )
      consolidations.set(target.code, { ...result, path })
      publications.push({
        ...base,
        manifest: path,
        manifestStatus: status,
        periods: result.periods,
        sources: result.manifest.sources.length,
        fields: result.manifest.sources.reduce((n, s) => n + s.schema.fields.length, 0),
        leftOut: result.leftOut,
        notes: [...result.notes],
      })
    } catch (error) {
      failed = true
      publications.push({ ...base, periods: [], sources: 0, fields: 0, error: (error as Error).message })
    }
  }

  // Old files go only when everything else worked.
  const removing = removeOld && !failed
  if (removeOld && failed) notes.push('--remove-old: nothing removed, because something failed')

  // Step 5 of the note (the config), before the ledger: the new config names the publications.
  let converted: ConvertedConfig | undefined
  if (shape === 'old' && legacy) {
    if (!removing && existsSync(keptPath) && !sameBytes(keptPath, readFileSync(configPath)))
      throw new MigrationError(
        `${KEPT_OLD_CONFIG} exists and differs from ${OLD_CONFIG}: move it away before migrating again`,
      )
    converted = convertConfig(legacy, candidatesOf, removing ? {} : { keptAs: KEPT_OLD_CONFIG })
    if (!removing) write(KEPT_OLD_CONFIG, readFileSync(configPath), 'the old config, as it was')
    write(OLD_CONFIG, converted.text, 'the config in the new shape')
    if (!converted.landingPageField)
      notes.push(
        'landing pages are kept as YAML comments in config/publications.yaml: the config schema has no landing_page field',
      )
  } else if (shape === 'new') output(OLD_CONFIG, 'unchanged', 'the config: already in the new shape')
  for (const pub of publications) {
    const c = converted?.publications.find((p) => p.code === pub.code)
    const fromCurrent = current?.publications.find((p) => p.code === pub.code)
    Object.assign(pub, {
      urls: c ? c.urls : fromCurrent?.urls.length,
      withoutFiles: c?.withoutFiles ?? [],
      notes: [...pub.notes, ...(c?.notes ?? [])],
    })
  }

  // Step 3: .gitignore.
  const gitignorePath = join(root, '.gitignore')
  const gitignore = existsSync(gitignorePath) ? readFileSync(gitignorePath, 'utf8') : undefined
  write(
    '.gitignore',
    updatedGitignore(gitignore),
    'data/ and tmp/ ignored, manifests/canonical/ kept (design note, Step 3)',
  )

  // Generated files of the old pipeline: into data/legacy/, in their old format.
  for (const [path, d] of dispositions) {
    if (d.action !== 'generated') continue
    const from = join(root, path)
    const to = join(root, d.target)
    const content = readFileSync(from)
    if (sameBytes(to, content)) {
      output(d.target, 'unchanged', `copy of ${path}`)
      continue
    }
    const status = existsSync(to) ? 'updated' : 'created'
    if (!dryRun) {
      mkdirSync(dirname(to), { recursive: true })
      if (removing) renameSync(from, to)
      else {
        copyFileSync(from, to)
        const stat = statSync(from)
        utimesSync(to, stat.atime, stat.mtime)
      }
    }
    output(d.target, status, `${removing ? 'moved from' : 'copy of'} ${path}`)
  }

  // The old state.json into the ledger.
  let ledger: LedgerReport | undefined
  let imported: readonly MigratedLoad[] = []
  const statePath = join(root, 'state', 'state.json')
  if (existsSync(statePath)) {
    const result = await importState(root, statePath, targetCodes, dispositions, { ...options, dryRun, now })
    ledger = result.report
    imported = result.imported
    if (result.stateFile)
      output(result.stateFile.path, result.stateFile.status, 'the ledger mirror, rewritten')
  }

  // Every input file accounted for.
  const inputs = files.map((file): MigrationInput => {
    const d = dispositions.get(file.path)!
    return describe(file, d, {
      consolidations,
      converted,
      ledger,
      removeOld: removing,
      statePath: 'state/state.json',
    })
  })

  // --remove-old: the old files go once everything else is in place.
  if (removing) {
    for (const input of inputs) {
      if (!input.removed) continue
      const path = join(root, input.path)
      if (!dryRun && existsSync(path)) rmSync(path, { force: true })
    }
    if (!dryRun)
      for (const folder of ['manifests', ...GENERATED_FOLDERS]) removeEmptyFolders(join(root, folder))
  }
  const removed = inputs.filter((i) => i.removed).length
  const changes =
    outputs.filter((o) => o.status === 'created' || o.status === 'updated').length + imported.length + removed
  return {
    root,
    dryRun,
    removeOld,
    inputs,
    outputs,
    publications,
    ...(ledger ? { ledger } : {}),
    notes,
    changes,
    failed,
  }
}

/** Deletes empty folders below and including `dir`, but never manifests/canonical. */
function removeEmptyFolders(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeEmptyFolders(join(dir, entry.name))
  if (dir.endsWith(join('manifests', 'canonical'))) return
  if (readdirSync(dir).length === 0) rmdirSync(dir)
}

async function importState(
  root: string,
  statePath: string,
  codes: ReadonlySet<string>,
  dispositions: ReadonlyMap<string, Disposition>,
  options: MigrateOptions & { dryRun: boolean; now: Date },
): Promise<{
  report: LedgerReport
  imported: readonly MigratedLoad[]
  stateFile?: { path: string; status: OutputStatus }
}> {
  const publicationOf = (manifest: string) => {
    const d = dispositions.get(manifest)
    return d?.action === 'candidate' ? d.candidate.publication : undefined
  }
  const plan = planStateImport(statePath, codes, publicationOf)
  const base = { skipped: plan.skipped, failed: plan.failed, alreadyImported: 0 }
  const paths = projectPaths(root)
  if (!options.databaseUrl && !existsSync(paths.database))
    return {
      report: {
        ...base,
        imported: 0,
        note: 'no database configured (DATABASE_URL or --database-url, or an embedded one in data/db/): state.json not imported; migrate again with one to import it',
      },
      imported: [],
    }
  const runId = `migrated-${options.now.toISOString().slice(0, 10)}`
  const db = await openDatabase({ databaseUrl: options.databaseUrl, embeddedDir: paths.database })
  try {
    const already = await alreadyImported(db.pool, plan.loads)
    const todo = plan.loads.filter((l) => !already.has(l))
    let stateFile: { path: string; status: OutputStatus } | undefined
    if (!options.dryRun && todo.length > 0) {
      const client = await db.pool.connect()
      try {
        await ensureLedger(client)
      } finally {
        client.release()
      }
      await importLoads(db.pool, runId, todo, 'state/state.json')
      const existed = existsSync(paths.stateFile)
      writeStateFile(paths.stateFile, await ledgerStatus(db.pool))
      stateFile = { path: 'data/state/state.json', status: existed ? 'updated' : 'created' }
    } else if (options.dryRun && todo.length > 0)
      stateFile = {
        path: 'data/state/state.json',
        status: existsSync(paths.stateFile) ? 'updated' : 'created',
      }
    return {
      report: {
        ...base,
        database: db.displayUrl,
        runId,
        imported: todo.length,
        alreadyImported: already.size,
      },
      imported: todo,
      ...(stateFile ? { stateFile } : {}),
    }
  } finally {
    await db.close()
  }
}

function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`
}

/** What became of one input file, in words. */
function describe(
  file: { path: string; bytes: number },
  d: Disposition,
  context: {
    consolidations: ReadonlyMap<string, Consolidation & { path: string }>
    converted?: ConvertedConfig
    ledger?: LedgerReport
    removeOld: boolean
    statePath: string
  },
): MigrationInput {
  const base = { path: file.path, bytes: file.bytes }
  const oldFile =
    file.path.startsWith('manifests/') || GENERATED_FOLDERS.some((f) => file.path.startsWith(`${f}/`))
  switch (d.action) {
    case 'left':
      return { ...base, action: 'left', into: [], reason: d.reason, removed: false }
    case 'ignored':
      return {
        ...base,
        action: 'ignored',
        into: [],
        reason:
          d.disposable || !context.removeOld
            ? d.reason
            : `${d.reason} (kept: --remove-old deletes only what the design note does not keep)`,
        removed: context.removeOld && oldFile && d.disposable,
      }
    case 'config': {
      const isKept = file.path === KEPT_OLD_CONFIG
      const reason = isKept
        ? 'the original of the converted config'
        : context.removeOld
          ? 'converted to the new shape (the original is not kept: --remove-old)'
          : `converted to the new shape; the original is kept as ${KEPT_OLD_CONFIG}`
      return {
        ...base,
        action: 'migrated',
        into: isKept ? [OLD_CONFIG] : context.removeOld ? [OLD_CONFIG] : [OLD_CONFIG, KEPT_OLD_CONFIG],
        reason,
        removed: isKept && context.removeOld,
      }
    }
    case 'generated': {
      let reason = 'generated by the old pipeline: kept in its old format under data/legacy/'
      if (file.path === 'output/catalog.parquet')
        reason =
          'the old catalog (its columns differ from ours): kept under data/legacy/; `datawarp run` or `datawarp export` writes data/exports/catalog.parquet'
      const into = [d.target]
      if (file.path === context.statePath) {
        const l = context.ledger
        if (l?.note) reason = `kept under data/legacy/; not imported: ${l.note}`
        else if (l) {
          reason = `imported into the ledger (${plural(l.imported + l.alreadyImported, 'load')} as run ${l.runId}${l.alreadyImported ? `, ${l.alreadyImported} of them earlier` : ''}; ${plural(l.skipped.length, 'entry')} skipped, ${plural(l.failed.length, 'failed attempt')} not imported) and kept under data/legacy/`
          into.push('datawarp.loads')
        }
      }
      return { ...base, action: 'migrated', into, reason, removed: context.removeOld }
    }
    case 'candidate': {
      const c: Candidate = d.candidate
      const consolidation = context.consolidations.get(c.publication)
      const into: string[] = consolidation ? [consolidation.path] : []
      const contribution = consolidation?.contributions.get(c.path)
      let reason = `${c.publication} ${c.period}, ${c.kind}: `
      if (!contribution) reason += 'not consolidated (its publication failed)'
      else if (contribution.template)
        reason += `the template (latest period, best manifest): ${plural(contribution.sources, 'source')}, ${plural(contribution.columns, 'column')}`
      else if (contribution.sources + contribution.columns > 0)
        reason += `added ${plural(contribution.sources, 'source')} and ${plural(contribution.columns, 'column')} the later or better manifests lack`
      else reason += 'nothing new: its sources and columns are all in later or better manifests'
      const urls = context.converted?.publications
        .find((p: ConvertedPublication) => p.code === c.publication)
        ?.fromManifests.find((m) => m.path === c.path)
      if (urls) {
        into.push(OLD_CONFIG)
        reason += `; its ${plural(urls.urls, 'file URL')} replaced the landing page of ${urls.period} in the config`
      }
      return { ...base, action: 'migrated', into, reason, removed: context.removeOld }
    }
  }
}
