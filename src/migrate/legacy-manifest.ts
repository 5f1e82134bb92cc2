import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { z } from 'zod'

/**
 * The old pipeline's period manifest (DataWarp v2.x): `manifest:` metadata and `sources:`, each with the files
 * it was read from and, once enriched, its columns. Read loosely: only what migration uses is checked.
 */
const text = z.union([z.string(), z.number()]).transform(String)

export const LegacyColumnSchema = z.looseObject({
  original_name: text.nullish(),
  semantic_name: text.nullish(),
  description: z.string().nullish(),
  data_type: z.string().nullish(),
  is_dimension: z.boolean().nullish(),
  is_measure: z.boolean().nullish(),
})
export type LegacyColumn = z.output<typeof LegacyColumnSchema>

export const LegacyFileSchema = z.looseObject({
  url: z.string(),
  period: text.nullish(),
  sheet: text.nullish(),
  extract: z.string().nullish(),
})
export type LegacyFile = z.output<typeof LegacyFileSchema>

export const LegacySourceSchema = z.looseObject({
  code: text,
  name: z.string().nullish(),
  description: z.string().nullish(),
  table: z.string().nullish(),
  enabled: z.boolean().nullish(),
  files: z.array(LegacyFileSchema).nullish(),
  columns: z.array(LegacyColumnSchema).nullish(),
})
export type LegacySource = z.output<typeof LegacySourceSchema>

export const LegacyManifestSchema = z.looseObject({
  manifest: z
    .looseObject({
      name: text.nullish(),
      source_url: z.string().nullish(),
      created_at: text.nullish(),
      publication_context: z.looseObject({ page_title: z.string().nullish() }).nullish(),
    })
    .nullish(),
  sources: z.array(LegacySourceSchema),
})
export type LegacyManifest = z.output<typeof LegacyManifestSchema>

/** Reads an old manifest, or says why the file is not one. */
export function readLegacyManifest(
  path: string,
): { manifest: LegacyManifest; problem?: undefined } | { problem: string } {
  let doc: ReturnType<typeof parseDocument>
  try {
    doc = parseDocument(readFileSync(path, 'utf8'))
  } catch (error) {
    return { problem: `unreadable: ${(error as Error).message}` }
  }
  if (doc.errors.length > 0) return { problem: `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}` }
  const value: unknown = doc.toJS({ maxAliasCount: -1 })
  if (!value || typeof value !== 'object' || !('sources' in value))
    return { problem: 'not a manifest (no sources)' }
  const parsed = LegacyManifestSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    return { problem: `not a manifest of the old pipeline: ${issue.path.join('.')}: ${issue.message}` }
  }
  return { manifest: parsed.data }
}

export const isEnabled = (source: LegacySource) => source.enabled !== false

/** Columns defined in a manifest's enabled sources. */
export function columnCount(manifest: LegacyManifest): number {
  return manifest.sources.filter(isEnabled).reduce((n, s) => n + (s.columns?.length ?? 0), 0)
}
