import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { ConfigFileSchema } from '../model/config.js'

/** A publication of the old config: landing pages per period, and the old pipeline's bookkeeping. */
export interface LegacyPublication {
  readonly code: string
  readonly name: string
  readonly description?: string
  readonly frequency?: string
  readonly landingPage?: string
  readonly notes?: string
  readonly referenceManifest?: string
  readonly urls: readonly { period: string; url: string }[]
  /** Keys the migration does not know, so not carried over (reported). */
  readonly unknownKeys: readonly string[]
}

export interface LegacyConfig {
  readonly file: string
  readonly publications: readonly LegacyPublication[]
}

const text = z.union([z.string(), z.number()]).transform(String)

const LegacyPublicationSchema = z.looseObject({
  name: text.nullish(),
  description: z.string().nullish(),
  frequency: z.string().nullish(),
  landing_page: z.string().nullish(),
  notes: z.string().nullish(),
  reference_manifest: z.string().nullish(),
  urls: z.array(z.looseObject({ period: text, url: z.string() })).nullish(),
})

const KNOWN_KEYS = new Set([
  'name',
  'description',
  'frequency',
  'landing_page',
  'notes',
  'reference_manifest',
  'urls',
  'canonical_manifest',
])

/** Keys only the old config has: finding one (in a file our schema rejects) marks the old shape. */
const OLD_KEYS = ['frequency', 'landing_page', 'reference_manifest', 'notes']

export type ConfigShape = 'old' | 'new' | 'unknown'

function parseYaml(path: string): unknown {
  const doc = parseDocument(readFileSync(path, 'utf8'))
  if (doc.errors.length > 0)
    throw new Error(`${path}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  return doc.toJS()
}

/**
 * Which layout a config file is in: "new" when our schema accepts it, "old" when it is not ours and has the old
 * pipeline's keys (landing pages, reference manifests, periods such as nov25), else "unknown".
 */
export function configShape(path: string): ConfigShape {
  const value = parseYaml(path)
  if (ConfigFileSchema.safeParse(value).success) return 'new'
  const publications = (value as { publications?: unknown } | null)?.publications
  if (!publications || typeof publications !== 'object') return 'unknown'
  const entries = Object.values(publications as Record<string, unknown>)
  const oldPeriod = (u: unknown) =>
    /^[a-z]{3,9}\d{2}$/i.test(String((u as { period?: unknown } | null)?.period ?? ''))
  const old = entries.some((p) => {
    if (!p || typeof p !== 'object') return false
    const urls = (p as { urls?: unknown }).urls
    return OLD_KEYS.some((k) => k in p) || (Array.isArray(urls) && urls.some(oldPeriod))
  })
  return old ? 'old' : 'unknown'
}

export function readLegacyConfig(path: string): LegacyConfig {
  const value = parseYaml(path) as { publications?: Record<string, unknown> } | null
  const publications: LegacyPublication[] = []
  for (const [code, raw] of Object.entries(value?.publications ?? {})) {
    const parsed = LegacyPublicationSchema.safeParse(raw ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new Error(`${path}: publications.${code}.${issue.path.join('.')}: ${issue.message}`)
    }
    const p = parsed.data
    publications.push({
      code,
      name: p.name ?? code,
      ...(p.description ? { description: p.description } : {}),
      ...(p.frequency ? { frequency: p.frequency } : {}),
      ...(p.landing_page ? { landingPage: p.landing_page } : {}),
      ...(p.notes ? { notes: p.notes.trim() } : {}),
      ...(p.reference_manifest ? { referenceManifest: p.reference_manifest } : {}),
      urls: (p.urls ?? []).map((u) => ({ period: u.period, url: u.url })),
      unknownKeys: Object.keys(raw ?? {}).filter((k) => !KNOWN_KEYS.has(k)),
    })
  }
  return { file: path, publications }
}

/** A landing page and a release page under it: ".../mi-adhd" holds ".../mi-adhd/november-2025". */
export function isUnder(url: string, landingPage: string): boolean {
  const norm = (u: string) =>
    u
      .trim()
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .toLowerCase()
  const page = norm(landingPage)
  const target = norm(url)
  return target === page || target.startsWith(`${page}/`)
}
