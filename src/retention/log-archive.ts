import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'

/** An event log file: data/logs/events/<YYYY-MM-DD>/<run_id>.jsonl. */
export interface EventLogFile {
  readonly path: string
  /** The daily folder: the UTC date the run started. */
  readonly date: string
  readonly runId: string
  readonly bytes: number
  readonly mtimeMs: number
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Every event log, by daily folder; folders not named like a date are returned apart (left alone). */
export function listEventLogs(eventsDir: string): { logs: EventLogFile[]; otherFolders: string[] } {
  const logs: EventLogFile[] = []
  const otherFolders: string[] = []
  if (!existsSync(eventsDir)) return { logs, otherFolders }
  for (const day of readdirSync(eventsDir, { withFileTypes: true })) {
    if (!day.isDirectory()) continue
    if (!DAY.test(day.name)) {
      otherFolders.push(join(eventsDir, day.name))
      continue
    }
    for (const file of readdirSync(join(eventsDir, day.name), { withFileTypes: true })) {
      if (!file.isFile() || !file.name.endsWith('.jsonl')) continue
      const path = join(eventsDir, day.name, file.name)
      const stat = statSync(path)
      logs.push({
        path,
        date: day.name,
        runId: file.name.slice(0, -'.jsonl'.length),
        bytes: stat.size,
        mtimeMs: stat.mtimeMs,
      })
    }
  }
  logs.sort((a, b) => a.date.localeCompare(b.date) || a.runId.localeCompare(b.runId))
  return { logs, otherFolders }
}

/** The run ids an archive already holds (each line of ours carries its run_id). */
export function archivedRunIds(archivePath: string): Set<string> {
  const ids = new Set<string>()
  if (!existsSync(archivePath)) return ids
  // Concatenated gzip members read as one stream, as zcat reads them.
  const text = gunzipSync(readFileSync(archivePath)).toString('utf8')
  for (const match of text.matchAll(/"run_id":"([^"\\]+)"/g)) ids.add(match[1]!)
  return ids
}

export interface MonthArchive {
  readonly archivePath: string
  /** Logs appended now (or that would be, in a dry run). */
  readonly appended: readonly EventLogFile[]
  /** Logs the archive already held (an earlier cleanup stopped before deleting them). */
  readonly alreadyArchived: readonly EventLogFile[]
  readonly bytesBefore: number
  readonly bytesAfter: number
}

/**
 * Appends a month's logs to its archive as ONE new gzip member (members concatenate; zcat and gunzip read them
 * all). The archive is rewritten whole into a temp file beside it, synced and renamed over, so a crash leaves
 * the old archive or the new one, never half of one. Logs whose run the archive already holds are not added
 * again. The caller deletes the log files afterwards: a crash in between repeats nothing.
 */
export function appendToArchive(
  archivePath: string,
  logs: readonly EventLogFile[],
  dryRun: boolean,
): MonthArchive {
  const existing = existsSync(archivePath) ? readFileSync(archivePath) : Buffer.alloc(0)
  const held = archivedRunIds(archivePath)
  const appended = logs.filter((l) => !held.has(l.runId))
  const alreadyArchived = logs.filter((l) => held.has(l.runId))
  if (appended.length === 0)
    return {
      archivePath,
      appended,
      alreadyArchived,
      bytesBefore: existing.length,
      bytesAfter: existing.length,
    }
  const text = appended
    .map((l) => {
      const content = readFileSync(l.path, 'utf8')
      return content === '' || content.endsWith('\n') ? content : `${content}\n`
    })
    .join('')
  const member = gzipSync(Buffer.from(text, 'utf8'))
  const bytesAfter = existing.length + member.length
  if (!dryRun) {
    mkdirSync(dirname(archivePath), { recursive: true })
    const temp = `${archivePath}.tmp-${process.pid}`
    const fd = openSync(temp, 'w')
    try {
      writeSync(fd, existing)
      writeSync(fd, member)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, archivePath)
  }
  return { archivePath, appended, alreadyArchived, bytesBefore: existing.length, bytesAfter }
}
