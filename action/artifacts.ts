import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { exportFilesUnder } from '../src/export/index.js'
import type { RunSummary } from '../src/pipeline/index.js'
import type { Stage } from './inputs.js'
import type { Secrets } from './secrets.js'

export interface ArtifactSpec {
  readonly name: string
  readonly rootDirectory: string
  readonly files: readonly string[]
}

export interface UploadedArtifact {
  readonly name: string
  readonly files: number
  readonly id?: number
  readonly url?: string
}

/** The part of @actions/artifact's client the Action uses (a fake stands in for it in tests). */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number },
  ): Promise<{ id?: number; size?: number }>
}

export interface ArtifactChoice {
  /** Upload data/exports (default true). A fan-out's load legs export nothing: their final job uploads the exports. */
  readonly exports?: boolean
  /**
   * Appended to the artifact names. Artifact names are unique within a workflow run, and the legs of a fan-out are
   * jobs of one run: each names its logs after its publications, so no two legs can ever ask for the same name.
   */
  readonly nameSuffix?: string
}

/**
 * What a job of this stage uploads. A fan-out's load job exports nothing, so uploads only its logs, named after its
 * publications; the export job, like a whole run, uploads the exports (the catalog included) and its logs.
 */
export function artifactChoice(stage: Stage, publications: readonly string[] | undefined): ArtifactChoice {
  if (stage !== 'load') return {}
  return { exports: false, nameSuffix: publications?.join('-') ?? 'all' }
}

/**
 * What a run uploads: the Parquet exports (data/exports/catalog.parquet, datapackage.json, which describes them, and
 * every source's folder of period files, `<publication>/<source_key>/*.parquet`, under their paths) and the logs
 * (this run's event log and the state file, under their paths in data/). A log that mentions a secret is uploaded
 * as a redacted copy.
 */
export function artifactSpecs(
  summary: RunSummary,
  paths: { readonly data: string; readonly exports: string },
  secrets: Secrets,
  /** Where redacted copies go (the runner's RUNNER_TEMP). */
  tempDir = tmpdir(),
  choice: ArtifactChoice = {},
): ArtifactSpec[] {
  const { data: dataDir, exports: exportsDir } = paths
  const suffix = choice.nameSuffix ? `-${choice.nameSuffix}` : ''
  const specs: ArtifactSpec[] = []
  const parquet = choice.exports === false ? [] : exportFilesUnder(exportsDir)
  if (parquet.length)
    specs.push({
      name: `datawarp-exports-${summary.runId}${suffix}`,
      rootDirectory: exportsDir,
      files: parquet,
    })

  const logs = [summary.eventLog, summary.stateFile].filter(
    (path): path is string =>
      path !== undefined && existsSync(path) && !relative(dataDir, path).startsWith('..'),
  )
  if (logs.length === 0) return specs
  if (!logs.some((path) => secrets.contains(readFileSync(path, 'utf8')))) {
    specs.push({ name: `datawarp-logs-${summary.runId}${suffix}`, rootDirectory: dataDir, files: logs })
    return specs
  }
  const copies = mkdtempSync(join(tempDir, 'datawarp-redacted-'))
  const files = logs.map((path) => {
    const copy = join(copies, relative(dataDir, path))
    mkdirSync(dirname(copy), { recursive: true })
    writeFileSync(copy, secrets.redact(readFileSync(path, 'utf8')))
    return copy
  })
  specs.push({ name: `datawarp-logs-${summary.runId}${suffix}`, rootDirectory: copies, files })
  return specs
}

export async function uploadArtifacts(
  uploader: ArtifactUploader,
  specs: readonly ArtifactSpec[],
  retentionDays: number,
  artifactUrl: (id: number) => string | undefined,
): Promise<UploadedArtifact[]> {
  const uploaded: UploadedArtifact[] = []
  for (const spec of specs) {
    const result = await uploader.uploadArtifact(spec.name, [...spec.files], spec.rootDirectory, {
      retentionDays,
    })
    const url = result.id !== undefined ? artifactUrl(result.id) : undefined
    uploaded.push({
      name: spec.name,
      files: spec.files.length,
      ...(result.id !== undefined ? { id: result.id } : {}),
      ...(url ? { url } : {}),
    })
  }
  return uploaded
}
