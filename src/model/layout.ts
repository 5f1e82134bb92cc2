import { join, resolve } from 'node:path'

/** The design note's layout under the project root: generated data in data/, working files in tmp/. */
export interface ProjectPaths {
  readonly root: string
  readonly data: string
  readonly exports: string
  readonly logs: string
  readonly stateFile: string
  readonly workRoot: string
}

export function projectPaths(root: string): ProjectPaths {
  const base = resolve(root)
  return {
    root: base,
    data: join(base, 'data'),
    exports: join(base, 'data', 'exports'),
    logs: join(base, 'data', 'logs'),
    stateFile: join(base, 'data', 'state', 'state.json'),
    workRoot: join(base, 'tmp', 'manifests'),
  }
}

/** Sortable, unique enough for one machine: 20261127T051500Z-3f9a. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`
}
