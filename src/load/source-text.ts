/**
 * Keeps what the database says about loaded sources in step with the canonical manifest's text when no period
 * is loaded: a reviewed manifest whose change is text only (titles, descriptions, units, roles) reaches
 * `datawarp.sources` (and so the catalog and the exports) and the tables' comments on the next run.
 */
import type pg from 'pg'
import { inTransaction, lockPublicationLoad } from '../db/index.js'
import type { CanonicalManifest, Field, Source } from '../model/manifest.js'
import { commentSources } from './comments.js'

/** The keys of a stored field that are text about it, not what was loaded (name, type, periods). */
const FIELD_TEXT = ['title', 'description', 'descriptionSource', 'unit', 'role'] as const

type StoredField = Record<string, unknown> & { name?: unknown }

/** The stored fields with the manifest's text: same fields, names and types; text taken from the manifest. */
export function withManifestText(stored: readonly StoredField[], source: Source): StoredField[] {
  const fields = new Map<string, Field>(source.schema.fields.map((f) => [f.name, f]))
  return stored.map((field) => {
    const from = typeof field.name === 'string' ? fields.get(field.name) : undefined
    if (!from) return field
    const next: StoredField = { ...field }
    for (const key of FIELD_TEXT) {
      if (from[key] === undefined) delete next[key]
      else next[key] = from[key]
    }
    return next
  })
}

interface StoredSource {
  source_key: string
  table_name: string
  publication_name: string
  title: string | null
  description: string | null
  description_source: string | null
  fields: StoredField[]
}

/** Stable JSON: the same keys in any order give the same text (jsonb reorders keys). */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )

export interface TextRefresh {
  /** Sources whose text in datawarp.sources changed. */
  readonly sources: readonly string[]
  /** Table and column comments set. */
  readonly comments: number
}

/**
 * Brings the loaded sources' text (datawarp.sources and the comments of their tables) to the manifest's, in one
 * short transaction under the publication's load lock. A source whose text is unchanged is not written, so its
 * exports stay current; one whose text changed gets a new updated_at, so the next export rewrites it.
 */
export async function refreshSourceText(pool: pg.Pool, manifest: CanonicalManifest): Promise<TextRefresh> {
  return inTransaction(pool, async (client) => {
    await lockPublicationLoad(client, manifest.publication)
    const { rows } = await client.query<StoredSource>(
      `SELECT source_key, table_name, publication_name, title, description, description_source, fields
           FROM datawarp.sources WHERE publication = $1 FOR UPDATE`,
      [manifest.publication],
    )
    const changed: string[] = []
    const kept: string[] = []
    for (const row of rows) {
      const source = manifest.sources.find((s) => s.key === row.source_key)
      // A source whose table the manifest changed is refused by its next load (physical names never change).
      if (!source || source.table !== row.table_name || !Array.isArray(row.fields)) continue
      kept.push(source.key)
      const fields = withManifestText(row.fields, source)
      const same =
        row.publication_name === manifest.name &&
        row.title === (source.title ?? null) &&
        row.description === (source.description ?? null) &&
        row.description_source === (source.descriptionSource ?? null) &&
        canonicalJson(fields) === canonicalJson(row.fields)
      if (same) continue
      await client.query(
        `UPDATE datawarp.sources SET publication_name = $3, title = $4, description = $5, description_source = $6,
             fields = $7, updated_at = now()
           WHERE publication = $1 AND source_key = $2`,
        [
          manifest.publication,
          source.key,
          manifest.name,
          source.title ?? null,
          source.description ?? null,
          source.descriptionSource ?? null,
          JSON.stringify(fields),
        ],
      )
      changed.push(source.key)
    }
    const comments = await commentSources(client, manifest.publication, manifest, kept)
    return { sources: changed, comments }
  })
}
