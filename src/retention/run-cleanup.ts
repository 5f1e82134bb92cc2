import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadConfig } from '../config/index.js'
import { type Database, openDatabase } from '../db/index.js'
import { RetentionSchema } from '../model/config.js'
import { projectPaths } from '../model/layout.js'
import { type CleanupReport, cleanupProject } from './cleanup.js'

export interface RunCleanupOptions {
  /** config/publications.yaml: settings.retention comes from it (the defaults when the file is missing). */
  readonly configPath: string
  readonly root: string
  /** A PostgreSQL URL; without one an embedded database already in data/db/ is used, if there is one. */
  readonly databaseUrl?: string
  readonly dryRun?: boolean
  readonly now?: Date
}

/**
 * `datawarp cleanup` as a function, for the CLI and the Action: reads the retention settings from the config,
 * opens the ledger when a database is configured or already in data/db/ (a database that cannot be reached only
 * makes cleanup more careful, and the report says so), and cleans up.
 */
export async function runCleanup(options: RunCleanupOptions): Promise<CleanupReport> {
  const root = resolve(options.root)
  const paths = projectPaths(root)
  const notes: string[] = []
  let retention = RetentionSchema.parse({})
  if (existsSync(options.configPath)) retention = loadConfig(options.configPath).settings.retention
  else notes.push(`${options.configPath} not found: the default retention settings apply`)
  let db: Database | undefined
  if (options.databaseUrl || existsSync(paths.database)) {
    try {
      db = await openDatabase({ databaseUrl: options.databaseUrl, embeddedDir: paths.database })
    } catch (error) {
      notes.push(`database not reachable (${(error as Error).message})`)
    }
  }
  try {
    const report = await cleanupProject({
      root,
      retention,
      ...(db ? { pool: db.pool } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.now ? { now: options.now } : {}),
    })
    return { ...report, notes: [...notes, ...report.notes] }
  } finally {
    await db?.close()
  }
}
