import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { isUnder } from './legacy-config.js'
import { columnCount, type LegacyManifest, readLegacyManifest } from './legacy-manifest.js'
import { isLegacyPeriodToken, legacyPeriod, periodOfReleaseUrl } from './legacy-period.js'

/** The old layout's folders of generated files, and where their files go (they keep their old format). */
export const GENERATED_FOLDERS = ['output', 'state', 'logs'] as const
export const LEGACY_DATA_DIR = 'data/legacy'

export const OLD_CONFIG = 'config/publications.yaml'
/** Where the original of a converted config is kept (unless --remove-old). */
export const KEPT_OLD_CONFIG = 'config/publications.legacy.yaml'

/** Folders never examined: version control, packages, and what the new layout itself holds. */
const NOT_EXAMINED = new Set(['.git', 'node_modules', 'data', 'tmp', 'manifests/canonical'])
/** Files of the new layout migrate writes; not inputs. */
const OUTPUT_FILES = new Set(['.gitignore'])

/** A period manifest the consolidation uses. */
export interface Candidate {
  readonly path: string
  readonly publication: string
  readonly period: string
  readonly kind: 'enriched' | 'canonical'
  /** manifests/<folder>/...: production, backfill, e2e_test, test or archive. */
  readonly folder: string
  readonly manifest: LegacyManifest
  readonly columns: number
}

export type Disposition =
  | { readonly action: 'candidate'; readonly candidate: Candidate }
  | { readonly action: 'config' }
  | { readonly action: 'generated'; readonly target: string }
  | {
      readonly action: 'ignored'
      readonly reason: string
      /** What the design note says is not kept (drafts, LLM output, backups…): --remove-old deletes it. */
      readonly disposable: boolean
    }
  | { readonly action: 'left'; readonly reason: string }

export interface InputFile {
  readonly path: string
  readonly bytes: number
  readonly disposition: Disposition
}

/** Folder trust, best first: what production loaded beats what a test or an archive holds. */
const FOLDER_RANK: Record<string, number> = { production: 5, backfill: 4, e2e_test: 3, test: 2, archive: 1 }

/**
 * Orders a period's manifests best first: by folder (production, backfill, e2e_test, test, archive), then
 * canonical before enriched, then more column definitions, then path (so the order is stable).
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    (FOLDER_RANK[b.folder] ?? 0) - (FOLDER_RANK[a.folder] ?? 0) ||
    (b.kind === 'canonical' ? 1 : 0) - (a.kind === 'canonical' ? 1 : 0) ||
    b.columns - a.columns ||
    a.path.localeCompare(b.path)
  )
}

/** Every file under the root, as a posix path relative to it, in sorted order. */
export function listInputFiles(root: string): { path: string; bytes: number }[] {
  const files: { path: string; bytes: number }[] = []
  const walk = (relative: string) => {
    const entries = readdirSync(join(root, relative), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name
      if (NOT_EXAMINED.has(path)) continue
      const stat = lstatSync(join(root, path))
      if (stat.isDirectory()) walk(path)
      else if (stat.isFile() && !OUTPUT_FILES.has(path)) files.push({ path, bytes: stat.size })
    }
  }
  walk('')
  return files
}

export interface KnownPublication {
  readonly code: string
  readonly landingPage?: string
}

const REASONS = {
  backup: 'a backup copy (.bak) of another file',
  llm: 'an LLM response: debugging output of the old enrichment (design note: not kept)',
  error: 'an error dump of a failed enrichment',
  prompt: 'an LLM prompt: debugging output of the old enrichment',
  notes: 'notes about the old manifest folders',
  draft: 'a draft manifest: regenerable from the release (design note: drafts are not kept)',
  test: 'a test manifest of the old pipeline',
  notOurs: 'not part of the old layout’s data: left as it is',
}

/** Says what migration does with one file of the old layout. */
export function classify(root: string, path: string, publications: readonly KnownPublication[]): Disposition {
  const segments = path.split('/')
  const top = segments[0]!
  if (path === OLD_CONFIG || path === KEPT_OLD_CONFIG) return { action: 'config' }
  if ((GENERATED_FOLDERS as readonly string[]).includes(top) && segments.length > 1)
    return { action: 'generated', target: `${LEGACY_DATA_DIR}/${path}` }
  if (top !== 'manifests' || segments.length < 2) return { action: 'left', reason: REASONS.notOurs }
  return classifyManifestFile(root, path, publications)
}

function classifyManifestFile(
  root: string,
  path: string,
  publications: readonly KnownPublication[],
): Disposition {
  const name = path.split('/').pop()!
  const ignored = (reason: string): Disposition => ({ action: 'ignored', reason, disposable: true })
  // What migrate could not place stays, even with --remove-old: someone may want it.
  const unplaced = (reason: string): Disposition => ({ action: 'ignored', reason, disposable: false })
  if (/\.(bak|backup|orig)$|~$/i.test(name)) return ignored(REASONS.backup)
  if (/\.json$/i.test(name))
    return /llm|response|output/i.test(name) ? ignored(REASONS.llm) : unplaced('a JSON file, not a manifest')
  if (/_error\.txt$/i.test(name)) return ignored(REASONS.error)
  if (/prompt\.txt$/i.test(name)) return ignored(REASONS.prompt)
  if (/\.(md|txt)$/i.test(name)) return ignored(REASONS.notes)
  if (!/\.ya?ml$/i.test(name)) return unplaced('not a manifest')

  const read = readLegacyManifest(join(root, path))
  if (read.problem !== undefined) return unplaced(read.problem)
  const manifest = read.manifest
  const stem = name.replace(/\.ya?ml$/i, '')
  const words = stem.split('_')
  const at = words.findIndex(isLegacyPeriodToken)
  let prefix: string
  let rest: string
  let period: string | undefined
  if (at >= 0) {
    prefix = words.slice(0, at).join('_')
    rest = words.slice(at + 1).join('_')
    period = legacyPeriod(words[at]!)
  } else {
    const last = words[words.length - 1]!
    const hasKind = last === 'canonical' || last === 'enriched'
    prefix = (hasKind ? words.slice(0, -1) : words).join('_')
    rest = hasKind ? last : ''
  }
  // test_adhd_aug25_canonical.yaml, pcn_unpivot_test.yaml: unless "test" is part of a publication's code.
  if (words.some((w) => w.toLowerCase() === 'test') && !publications.some((p) => p.code === prefix))
    return ignored(REASONS.test)
  const sourceUrl = manifest.manifest?.source_url ?? undefined
  period ??= sourceUrl ? periodOfReleaseUrl(sourceUrl) : undefined

  if (rest === '' || rest === 'raw' || rest === 'new') return ignored(REASONS.draft)
  if (rest !== 'enriched' && rest !== 'canonical') {
    const base = rest.startsWith('canonical') ? 'canonical' : 'enriched'
    return ignored(`an experimental variant ("_${rest}") of an ${base} manifest`)
  }
  // The deepest landing page holding the release page: nested landing pages pick the nearer one.
  const byPage = sourceUrl
    ? publications
        .filter((p) => p.landingPage !== undefined && isUnder(sourceUrl, p.landingPage))
        .sort((a, b) => b.landingPage!.length - a.landingPage!.length)[0]
    : undefined
  const publication = byPage ?? publications.find((p) => p.code === prefix)
  if (!publication) {
    return unplaced(
      `its publication is not in the config (file prefix "${prefix}"${sourceUrl ? `, release ${sourceUrl}` : ''}): add the publication to config/publications.yaml and migrate again to consolidate it`,
    )
  }
  if (!period) return unplaced('no period in its name or release URL')
  return {
    action: 'candidate',
    candidate: {
      path,
      publication: publication.code,
      period,
      kind: rest,
      folder: path.split('/')[1] ?? '',
      manifest,
      columns: columnCount(manifest),
    },
  }
}
