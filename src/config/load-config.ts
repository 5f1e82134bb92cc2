import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, type Node, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml'
import type { z } from 'zod'
import {
  type Config,
  ConfigShapeSchema,
  type ConfigProblem,
  type Publication,
  PublicationSchema,
  SNAKE_CODE,
  defaultCanonicalManifestPath,
} from '../model/config.js'

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
export function loadConfig(file: string): Config {
  const path = resolve(file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([{ file, line: 0, field: '', message: `cannot read: ${(error as Error).message}` }])
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const lineOf = (node: unknown) =>
    isNode(node) && node.range ? lines.linePos(node.range[0]).line : 1
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? 1,
        field: '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    )
  }
  const problemsAt = (issues: z.core.$ZodIssue[], base: (string | number)[], publication?: string) =>
    issues.map((issue) => {
      const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]
      return {
        file,
        line: lineOf(nearestNode(doc.contents, path)),
        field: path.join('.'),
        message: issue.message,
        ...(publication ? { publication } : {}),
      }
    })

  const shape = ConfigShapeSchema.safeParse(doc.toJS() ?? {})
  if (!shape.success) throw new ConfigError(problemsAt(shape.error.issues, []))

  const publications: Publication[] = []
  const problems: ConfigProblem[] = []
  for (const [code, raw] of Object.entries(shape.data.publications)) {
    const base = ['publications', code]
    if (!SNAKE_CODE.test(code) || code.length > 63) {
      problems.push({
        file,
        line: lineOf(nearestNode(doc.contents, base)),
        field: base.join('.'),
        message: `publication code "${code}" must be snake_case (a-z, 0-9, single underscores), at most 63 characters`,
        publication: code,
      })
      continue
    }
    const parsed = PublicationSchema.safeParse(raw)
    if (!parsed.success) {
      problems.push(...problemsAt(parsed.error.issues, base, code))
      continue
    }
    const entry = parsed.data
    publications.push({
      code,
      name: entry.name,
      ...(entry.description ? { description: entry.description } : {}),
      canonicalManifest: entry.canonical_manifest ?? defaultCanonicalManifestPath(code),
      urls: entry.urls.map((u, i) => ({
        period: u.period,
        url: u.url,
        line: lineOf(nearestNode(doc.contents, [...base, 'urls', i])),
      })),
    })
  }
  return { file, baseDir: dirname(path), settings: shape.data.settings, publications, problems }
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
