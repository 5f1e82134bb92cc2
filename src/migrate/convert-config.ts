import { parse } from 'yaml'
import {
  ConfigFileSchema,
  defaultCanonicalManifestPath,
  PublicationSchema,
  RetentionSchema,
} from '../model/config.js'
import type { LegacyConfig, LegacyPublication } from './legacy-config.js'
import type { Candidate } from './legacy-layout.js'
import { compareCandidates } from './legacy-layout.js'
import { isEnabled } from './legacy-manifest.js'
import { legacyPeriod } from './legacy-period.js'

/** What the conversion did with one publication's entries. */
export interface ConvertedPublication {
  readonly code: string
  readonly canonicalManifest: string
  /** File URL entries written, and the periods they cover. */
  readonly urls: number
  readonly periods: readonly string[]
  /** Periods whose old entry was a landing page with no known files: kept as comments. */
  readonly withoutFiles: readonly { period: string; page: string }[]
  /** The manifests whose file URLs replaced a landing page. */
  readonly fromManifests: readonly { period: string; path: string; urls: number }[]
  readonly notes: readonly string[]
}

export interface ConvertedConfig {
  readonly text: string
  readonly publications: readonly ConvertedPublication[]
  /** Whether the schema has a landing_page field (else landing pages are kept as comments). */
  readonly landingPageField: boolean
}

const FILE_EXTENSION = /\.(csv|xlsx|xlsm|xls|ods|zip|json|parquet|txt)$/i

/** Whether a URL names a file (rather than a page about files). */
export function isFileUrl(url: string): boolean {
  try {
    return FILE_EXTENSION.test(new URL(url, 'file:///').pathname)
  } catch {
    return FILE_EXTENSION.test(url)
  }
}

/** The file URLs of a period: those of the enabled sources in its best manifest, in order, once each. */
export function periodFileUrls(candidates: readonly Candidate[]): { urls: string[]; from?: string } {
  for (const candidate of [...candidates].sort(compareCandidates)) {
    const urls = new Set<string>()
    for (const source of candidate.manifest.sources.filter(isEnabled))
      for (const file of source.files ?? []) if (isFileUrl(file.url)) urls.add(file.url)
    if (urls.size > 0) return { urls: [...urls], from: candidate.path }
  }
  return { urls: [] }
}

const quote = (value: string) => JSON.stringify(value)
const comment = (indent: string, text: string) =>
  text
    .split('\n')
    .map((line) => `${indent}#${line.trim() ? ` ${line.trimEnd()}` : ''}`)
    .join('\n')

/**
 * The old config in the new shape: canonical_manifest paths, and url entries that are FILES with periods in our
 * grammar. An old entry that is a landing page becomes the files its period's manifest read; a landing page with
 * no known files stays as a comment (or a landing_page field, when the schema has one), and is reported.
 */
export function convertConfig(
  legacy: LegacyConfig,
  candidatesOf: (code: string, period: string) => readonly Candidate[],
  options: { keptAs?: string } = {},
): ConvertedConfig {
  const landingPageField = PublicationSchema.safeParse({
    name: 'x',
    landing_page: 'https://example.org/page',
  }).success
  const retention = RetentionSchema.parse({})
  const lines: string[] = [
    '# yaml-language-server: $schema=../schemas/publications.schema.json',
    '# DataWarp publications. Reference: docs/configuration.md (JSON Schema: schemas/publications.schema.json).',
    `# Converted from the old layout by \`datawarp migrate\`${options.keptAs ? `; the original is kept as ${options.keptAs}` : ''}.`,
    '# `urls` lists files, each with its period (YYYY-MM, YYYY-Qn, FYYYYY-YY or YYYY); landing pages are kept in',
    '# comments.',
    '',
    'settings:',
    '  retention:',
    `    logs_days: ${retention.logs_days} # event logs, then a monthly archive in data/archive/logs/`,
    `    artifact_days: ${retention.artifact_days} # workflow artifacts`,
    `    cleanup_after_run: ${retention.cleanup_after_run} # datawarp run ends with datawarp cleanup`,
    '',
    'publications:',
  ]
  const publications: ConvertedPublication[] = []
  for (const pub of legacy.publications) {
    const converted = convertPublication(pub, candidatesOf, landingPageField)
    publications.push(converted.summary)
    lines.push(...converted.lines, '')
  }
  const text = `${lines.join('\n').trimEnd()}\n`
  const check = ConfigFileSchema.safeParse(parse(text))
  if (!check.success) {
    const issue = check.error.issues[0]!
    throw new Error(`the converted config does not validate (${issue.path.join('.')}: ${issue.message})`)
  }
  return { text, publications, landingPageField }
}

function convertPublication(
  pub: LegacyPublication,
  candidatesOf: (code: string, period: string) => readonly Candidate[],
  landingPageField: boolean,
): { lines: string[]; summary: ConvertedPublication } {
  const notes: string[] = []
  const head: string[] = []
  const lines: string[] = [`  ${pub.code}:`]
  if (pub.frequency) head.push(comment('    ', `frequency: ${pub.frequency}`))
  if (pub.landingPage && !landingPageField) head.push(comment('    ', `landing page: ${pub.landingPage}`))
  if (pub.notes) head.push(comment('    ', `notes: ${pub.notes}`))
  lines.push(...head)
  lines.push(`    name: ${quote(pub.name)}`)
  if (pub.description) lines.push(`    description: ${quote(pub.description)}`)
  if (pub.landingPage && landingPageField) lines.push(`    landing_page: ${quote(pub.landingPage)}`)
  const canonicalManifest = defaultCanonicalManifestPath(pub.code)
  lines.push(`    canonical_manifest: ${canonicalManifest}`)
  if (pub.referenceManifest)
    notes.push(
      `reference_manifest ${pub.referenceManifest} replaced by canonical_manifest ${canonicalManifest}`,
    )
  for (const key of pub.unknownKeys)
    notes.push(`key "${key}" is not part of the new config: not carried over`)

  const entries: string[] = []
  const periods = new Set<string>()
  const withoutFiles: { period: string; page: string }[] = []
  const fromManifests: { period: string; path: string; urls: number }[] = []
  const expanded = new Set<string>()
  let urls = 0
  for (const entry of pub.urls) {
    const period = legacyPeriod(entry.period)
    if (!period) {
      notes.push(`period "${entry.period}" (${entry.url}) is not understood: entry left out`)
      entries.push(comment('      ', `period "${entry.period}" not understood, entry left out: ${entry.url}`))
      continue
    }
    const periodText = /^\d+$/.test(period) ? quote(period) : period
    if (isFileUrl(entry.url)) {
      entries.push(`      - { period: ${periodText}, url: ${quote(entry.url)} }`)
      periods.add(period)
      urls++
      continue
    }
    if (expanded.has(period)) {
      entries.push(comment('      ', `${period}: also ${entry.url} (its files are listed above)`))
      continue
    }
    const files = periodFileUrls(candidatesOf(pub.code, period))
    if (files.urls.length === 0) {
      withoutFiles.push({ period, page: entry.url })
      entries.push(comment('      ', `${period}: no file URLs known for ${entry.url}`))
      continue
    }
    entries.push(comment('      ', `${period}: the files of ${entry.url} (from ${files.from})`))
    fromManifests.push({ period, path: files.from!, urls: files.urls.length })
    expanded.add(period)
    for (const url of files.urls) entries.push(`      - { period: ${periodText}, url: ${quote(url)} }`)
    periods.add(period)
    urls += files.urls.length
  }
  if (urls === 0) lines.push(...entries, '    urls: []')
  else lines.push('    urls:', ...entries)
  if (withoutFiles.length > 0)
    notes.push(
      `${withoutFiles.length} period${withoutFiles.length === 1 ? '' : 's'} with only a landing page and no known files (${withoutFiles.map((w) => w.period).join(', ')}): kept as comments`,
    )
  return {
    lines,
    summary: {
      code: pub.code,
      canonicalManifest,
      urls,
      periods: [...periods],
      withoutFiles,
      fromManifests,
      notes,
    },
  }
}
