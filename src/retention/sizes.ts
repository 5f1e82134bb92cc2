import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Bytes of the files under a path (their sizes, as `du --apparent-size`); 0 when it does not exist. */
export function bytesUnder(path: string): number {
  let stat: ReturnType<typeof lstatSync>
  try {
    stat = lstatSync(path)
  } catch {
    return 0
  }
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0
  let total = 0
  let entries: string[]
  try {
    entries = readdirSync(path)
  } catch {
    return 0
  }
  for (const name of entries) total += bytesUnder(join(path, name))
  return total
}

/** The newest modification time under a path, in ms (a folder's own time counts too). */
export function newestChange(path: string): number {
  let stat: ReturnType<typeof lstatSync>
  try {
    stat = lstatSync(path)
  } catch {
    return 0
  }
  let newest = stat.mtimeMs
  if (stat.isDirectory()) {
    let entries: string[] = []
    try {
      entries = readdirSync(path)
    } catch {}
    for (const name of entries) newest = Math.max(newest, newestChange(join(path, name)))
  }
  return newest
}

/** 1536 → "1.5 KiB", like du -h. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
