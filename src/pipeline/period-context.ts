/** What one period is processed with: the run's context, the publication's manifest state, and the tables found. */
import type pg from 'pg'
import type { FetchedFile, FetchSession } from '../fetch/index.js'
import type { PeriodTable } from '../load/index.js'
import type { SourceBinding } from '../manifest/index.js'
import type { Config, Publication } from '../model/config.js'
import type { CanonicalManifest } from '../model/manifest.js'
import type { ExtractedTable } from '../model/table.js'
import type { EventLog } from '../observe/index.js'

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
  /** The run's one owner of downloads and conditional requests. */
  readonly fetch: FetchSession
  /** The LLM's API key, when the run has one (never read from the environment below the adapters). */
  readonly llmApiKey?: string
}

/** A table found in a period's files, with the file it came from. */
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
export function matchBase(
  contract: Publication['contract'],
  state: ManifestState,
): CanonicalManifest | undefined {
  return contract === 'hold' ? state.atStart : state.current
}

/** The tables of a period with the sources and columns they were matched to, ready to load. */
export function periodTablesOf(
  bindings: readonly SourceBinding[],
  tables: readonly PeriodTableFile[],
): PeriodTable[] {
  return bindings.map((binding, i) => ({
    binding,
    table: tables[i]!.table,
    file: {
      url: tables[i]!.fetched.url,
      name: tables[i]!.name,
      sha256: tables[i]!.fetched.sha256,
      bytes: tables[i]!.fetched.bytes,
    },
  }))
}
