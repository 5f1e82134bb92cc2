import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { defaultReaderRole, dropReaderRole } from '../../src/read/index.js'
import { ensureBuilt, runCli } from './cli.js'
import { createTestDatabase } from './database.js'
import { FileServer } from './file-server.js'

/** A project whose one publication was run (fetched from a local server, loaded, exported) by the CLI. */
export interface LoadedProject {
  readonly root: string
  readonly databaseUrl: string
  readonly exportsDir: string
  readonly code: string
  stop(): Promise<void>
}

/**
 * Runs `datawarp run` on the files of `folder`, one URL per period, as publication `code` (contract evolve,
 * and again while a period is held, so every period loads), and returns the project: the database, its
 * exports and canonical manifest in place.
 */
export async function loadedProject(
  folder: string,
  code: string,
  periods: readonly (readonly [period: string, file: string])[],
  name = code,
): Promise<LoadedProject> {
  ensureBuilt()
  const root = mkdtempSync(join(tmpdir(), 'datawarp-read-'))
  chmodSync(root, 0o755)
  mkdirSync(join(root, 'config'))
  const server = await new FileServer(folder).start()
  const db = await createTestDatabase()
  try {
    writeFileSync(
      join(root, 'config', 'publications.yaml'),
      `publications:
  ${code}:
    name: ${name}
    contract: evolve
    urls:
${periods.map(([period, file]) => `      - { period: "${period}", url: "${server.fileUrl(file)}" }`).join('\n')}
`,
    )
    // A period held for review (a column gone) loads on the next run, its canonical manifest kept as written.
    for (let run = 0; run < 3; run++) {
      const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
      if (result.code !== 0)
        throw new Error(`datawarp run failed: ${result.stdout.slice(-3000)}${result.stderr}`)
      const summary = JSON.parse(result.stdout) as { publications: { periods: { status: string }[] }[] }
      if (!summary.publications.some((p) => p.periods.some((x) => x.status === 'held'))) break
    }
  } finally {
    await server.stop()
  }
  return {
    root,
    databaseUrl: db.url,
    exportsDir: join(root, 'data', 'exports'),
    code,
    async stop() {
      await db.drop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Drops a reader role `datawarp mcp` or a reader made in the database (default: the database's default role). */
export async function dropReaderRoleIn(databaseUrl: string, role?: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await dropReaderRole(client, role ?? defaultReaderRole(new URL(databaseUrl).pathname.slice(1)))
  } finally {
    await client.end()
  }
}
