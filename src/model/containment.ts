import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Whether `path` is `folder` or lies under it (lexically: both resolved, no symbolic links followed). */
export function isInsideFolder(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * The local path a config url names, or undefined when it is not local: a path (relative to `baseDir`) or a
 * file:// URL. A scheme has two or more characters, so "C:\data\x.csv" stays a path.
 */
export function localPathOf(url: string, baseDir: string): string | undefined {
  const trimmed = url.trim()
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === undefined) return isAbsolute(trimmed) ? trimmed : resolve(baseDir, trimmed)
  if (scheme !== 'file') return undefined
  try {
    return fileURLToPath(new URL(trimmed))
  } catch {
    return undefined
  }
}
