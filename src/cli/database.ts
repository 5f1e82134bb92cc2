import { type Database, openWithLedger } from '../db/index.js'
import { projectPaths } from '../pipeline/index.js'
import { type CommonValues, databaseUrl } from './command.js'

/** Opens the configured (or embedded) database with the ledger in place, runs the work, closes it. */
export async function withDatabase<T>(values: CommonValues, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openWithLedger({
    databaseUrl: databaseUrl(values),
    embeddedDir: projectPaths(values.root).database,
  })
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}
