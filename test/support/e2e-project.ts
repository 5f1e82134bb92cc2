import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase } from './database.js'
import { FileServer } from './file-server.js'

/**
 * A project folder for an end-to-end test: config/publications.yaml written by `config` (a config that starts
 * with `publications:` gets `contract: evolve`), a file server over `served/`, and a database of its own.
 * Everything is removed by the cleanups pushed onto `cleanups`.
 */
export async function e2eProject(
  cleanups: (() => Promise<void> | void)[],
  config: (server: FileServer) => string,
  servedFiles: (dir: string) => void | Promise<void> = () => {},
) {
  const root = mkdtempSync(join(tmpdir(), 'datawarp-e2e-'))
  chmodSync(root, 0o755) // the embedded server runs as "postgres" when tests run as root
  const served = join(root, 'served')
  mkdirSync(served)
  mkdirSync(join(root, 'config'))
  await servedFiles(served)
  const server = await new FileServer(served).start()
  const db = await createTestDatabase()
  cleanups.push(
    () => rmSync(root, { recursive: true, force: true }),
    () => server.stop(),
    () => db.drop(),
  )
  // These tests are about failures and fetching; the contract (hold by default) has tests of its own.
  const text = config(server)
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    text.startsWith('publications:') ? `settings:\n  contract: evolve\n${text}` : text,
  )
  return { root, served, server, db }
}
