import { readFileSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import type { z } from 'zod'
import {
  CheckedPublicationSchema,
  type Config,
  type ConfigProblem,
  ConfigShapeSchema,
  defaultCanonicalManifestPath,
  type Publication,
  type PublicationEntry,
  SNAKE_CODE,
} from '../model/config.js'
import { isInsideFolder, localPathOf } from '../model/containment.js'
import { yamlValue } from '../model/yaml-value.js'
import { type LineOf, resolveDiscovery } from './discovery.js'

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'))
    this.name = 'ConfigError'
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}: ${p.field ? `${p.field}: ` : ''}${p.message}`
}

/**
 * Reads config/publications.yaml. A broken file as a whole throws ConfigError; a broken publication entry
 * becomes a problem of that publication only, so a run can go on with the others.
 */
export function loadConfig(
  file: string,
  options: { readonly today?: Date; readonly root?: string } = {},
): Config {
  const path = resolve(file)
  // The layout is <root>/config/publications.yaml: without a root given, the config folder's parent.
  const root = resolve(options.root ?? dirname(dirname(path)))
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([{ file, line: 0, field: '', message: `cannot read: ${(error as Error).message}` }])
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const lineOf = (node: unknown) => (isNode(node) && node.range ? lines.linePos(node.range[0]).line : 1)
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        // prettyErrors: false leaves linePos unset, so the line comes from the error's offset.
        line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
        field: '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    )
  }
  const problemsAt = (issues: z.core.$ZodIssue[], base: (string | number)[], publication?: string) =>
    issues.flatMap((issue) => {
      const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]
      const problem = (at: (string | number)[], message: string, atKey = false) => ({
        file,
        line: lineOf((atKey && keyNode(doc.contents, at)) || nearestNode(doc.contents, at)),
        field: at.join('.'),
        message,
        ...(publication ? { publication } : {}),
      })
      // An unknown key is reported at its own line and path, not at the map that holds it.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => problem([...path, key], `Unrecognized key: "${key}"`, true))
      }
      return [problem(path, issue.message)]
    })

  const plain = yamlValue(doc, lines)
  if ('problem' in plain)
    throw new ConfigError([{ file, line: plain.line, field: '', message: plain.problem }])
  const shape = ConfigShapeSchema.safeParse(plain.value ?? {})
  if (!shape.success) throw new ConfigError(problemsAt(shape.error.issues, []))

  const localRoots = [root, ...shape.data.settings.allowed_folders.map((folder) => resolve(root, folder))]
  const publications: Publication[] = []
  const problems: ConfigProblem[] = []
  for (const [code, raw] of Object.entries(shape.data.publications)) {
    const base = ['publications', code]
    const codeProblem = checkCode(code)
    if (codeProblem) {
      problems.push({
        file,
        line: lineOf(keyNode(doc.contents, base) ?? nearestNode(doc.contents, base)),
        field: base.join('.'),
        message: codeProblem,
        publication: code,
      })
      continue
    }
    const parsed = CheckedPublicationSchema.safeParse(raw)
    if (!parsed.success) {
      problems.push(...problemsAt(parsed.error.issues, base, code))
      continue
    }
    const entry = parsed.data
    const outside = pathsOutside(entry, { root, baseDir: dirname(path), localRoots })
    if (outside.length > 0) {
      problems.push(
        ...outside.map(({ at, message }) => ({
          file,
          line: lineOf(nearestNode(doc.contents, [...base, ...at])),
          field: [...base, ...at].join('.'),
          message,
          publication: code,
        })),
      )
      continue
    }
    publications.push({
      code,
      name: entry.name,
      ...(entry.description ? { description: entry.description } : {}),
      canonicalManifest: entry.canonical_manifest ?? defaultCanonicalManifestPath(code),
      contract: entry.contract ?? shape.data.settings.contract,
      urls: entry.urls.map((u, i) => ({
        period: u.period,
        url: u.url,
        line: lineOf(nearestNode(doc.contents, [...base, 'urls', i])),
      })),
      ...withDiscovery(entry, (at) => lineOf(nearestNode(doc.contents, [...base, ...at])), options.today),
    })
  }
  return {
    file,
    root,
    localRoots,
    baseDir: dirname(path),
    settings: shape.data.settings,
    publications,
    problems,
  }
}

/**
 * The paths of an entry that lead outside the project: a canonical manifest outside the root (symbolic links
 * of its folders followed), a local url outside the root and settings.allowed_folders. The fetch stage
 * checks local files again, with their links resolved, when it reads them.
 */
function pathsOutside(
  entry: PublicationEntry,
  where: { root: string; baseDir: string; localRoots: readonly string[] },
): { at: (string | number)[]; message: string }[] {
  const found: { at: (string | number)[]; message: string }[] = []
  if (entry.canonical_manifest !== undefined) {
    const target = resolve(where.root, entry.canonical_manifest)
    const real = realExisting(target)
    const inside = where.localRoots.some(
      (folder) => isInsideFolder(target, folder) && isInsideFolder(real, realExisting(folder)),
    )
    if (!inside)
      found.push({
        at: ['canonical_manifest'],
        message: `${entry.canonical_manifest} is outside the project root ${where.root}${where.localRoots.length > 1 ? ' and settings.allowed_folders' : ''}`,
      })
  }
  entry.urls.forEach((u, i) => {
    const local = localPathOf(u.url, where.baseDir)
    if (local !== undefined && !where.localRoots.some((folder) => isInsideFolder(local, folder)))
      found.push({
        at: ['urls', i, 'url'],
        message: `${u.url} is outside the project root${where.localRoots.length > 1 ? ' and settings.allowed_folders' : ''} (${local}); local files are read only from inside it`,
      })
  })
  return found
}

/** The real path of a path's deepest existing ancestor, joined with the rest: where a write would land. */
function realExisting(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    const parent = dirname(path)
    return parent === path ? path : join(realExisting(parent), basename(path))
  }
}

/** The publication's discovery settings resolved for today (`{}` when it has none). */
function withDiscovery(entry: PublicationEntry, lineOf: LineOf, today = new Date()) {
  const discovery = resolveDiscovery(entry, lineOf, today)
  return discovery ? { discovery } : {}
}

/** The key node of the last step of a path (the line a key is written on), when the path exists. */
function keyNode(root: unknown, path: readonly (string | number)[]): Node | undefined {
  if (!isMap(root) || path.length === 0) return undefined
  const parent = path.length === 1 ? root : root.getIn(path.slice(0, -1), true)
  if (!isMap(parent)) return undefined
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1])
  return isNode(pair?.key) ? pair.key : undefined
}

const RESERVED_SCHEMAS = new Set(['datawarp', 'public', 'information_schema'])

/** A publication code is also its PostgreSQL schema. */
function checkCode(code: string): string | undefined {
  if (!SNAKE_CODE.test(code) || code.length > 63) {
    return `publication code "${code}" must be snake_case (a-z, 0-9, single underscores), at most 63 characters`
  }
  if (RESERVED_SCHEMAS.has(code) || code.startsWith('pg_')) {
    return `publication code "${code}" is reserved: it names a PostgreSQL schema DataWarp or PostgreSQL uses`
  }
  return undefined
}

/** The deepest YAML node that exists along a path, so a missing field points at its parent's line. */
function nearestNode(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let node = isNode(root) ? root : undefined
  for (const key of path) {
    let next: unknown
    if (isMap(node)) next = node.get(key, true)
    else if (isSeq(node) && typeof key === 'number') next = node.get(key, true)
    if (!isNode(next)) break
    node = next
    if (isScalar(node)) break
  }
  return node
}
