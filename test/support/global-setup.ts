import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbedded } from '../../src/db/database.js'

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string
  }
}

/** Tests use TEST_DATABASE_URL when set (CI starts the machine's PostgreSQL), else an embedded server. */
export default async function setup(project: TestProject) {
  const fromEnv = process.env.TEST_DATABASE_URL
  if (fromEnv) {
    project.provide('adminDatabaseUrl', fromEnv)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'datawarp-test-pg-'))
  // The embedded server runs as the postgres user when we are root: it must be able to reach its folder.
  chmodSync(dir, 0o755)
  const server = await startEmbedded(join(dir, 'db'))
  project.provide('adminDatabaseUrl', server.url)
  return async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
