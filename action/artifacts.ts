import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import type { RunSummary } from '../src/pipeline/index.js'
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

const filesIn = (dir: string, keep: (name: string) => boolean): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter(keep)
        .map((name) => join(dir, name))
        .filter((path) => statSync(path).isFile())
        .sort()
    : []

/**
 * What a run uploads: the Parquet exports (data/exports/*.parquet, the catalog included, and datapackage.json,
 * which describes them) and the logs (this run's
 * event log and the state file, under their paths in data/). A log that mentions a secret is uploaded as a redacted copy.
 */
export function artifactSpecs(
  summary: RunSummary,
  paths: { readonly data: string; readonly exports: string },
  secrets: Secrets,
  /** Where redacted copies go (the runner's RUNNER_TEMP). */
  tempDir = tmpdir(),
): ArtifactSpec[] {
  const { data: dataDir, exports: exportsDir } = paths
  const specs: ArtifactSpec[] = []
  const parquet = filesIn(exportsDir, (name) => name.endsWith('.parquet') || name === 'datapackage.json')
  if (parquet.length)
    specs.push({ name: `datawarp-exports-${summary.runId}`, rootDirectory: exportsDir, files: parquet })

  const logs = [summary.eventLog, summary.stateFile].filter(
    (path): path is string =>
      path !== undefined && existsSync(path) && !relative(dataDir, path).startsWith('..'),
  )
  if (logs.length === 0) return specs
  if (!logs.some((path) => secrets.contains(readFileSync(path, 'utf8')))) {
    specs.push({ name: `datawarp-logs-${summary.runId}`, rootDirectory: dataDir, files: logs })
    return specs
  }
  const copies = mkdtempSync(join(tempDir, 'datawarp-redacted-'))
  const files = logs.map((path) => {
    const copy = join(copies, relative(dataDir, path))
    mkdirSync(dirname(copy), { recursive: true })
    writeFileSync(copy, secrets.redact(readFileSync(path, 'utf8')))
    return copy
  })
  specs.push({ name: `datawarp-logs-${summary.runId}`, rootDirectory: copies, files })
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
