import type pg from 'pg'
import { resolveLimits } from './limits.js'
import { ManifestFiles } from './manifests.js'
import { openParquetReader } from './parquet/parquet-reader.js'
import { PostgresReader, readerPool } from './postgres/postgres-reader.js'
import { defaultReaderRole, ensureReaderRole, refreshReaderGrants } from './postgres/reader-role.js'
import type { Reader, ReadLimits } from './types.js'

export { descriptionSourceLabel } from './columns.js'
export { DEFAULT_LIMITS, LIMIT_CEILINGS, resolveLimits } from './limits.js'
export {
  CATALOG_SCHEMA,
  defaultReaderRole,
  dropReaderRole,
  ensureReaderRole,
} from './postgres/reader-role.js'
export { searchCatalog } from './search.js'
export * from './types.js'

export interface ReaderOptions {
  /** The project root, for its canonical manifests (`manifests/canonical/`); none: manifests are not at hand. */
  readonly root?: string
  readonly limits?: Partial<ReadLimits>
}

export interface PostgresReaderOptions extends ReaderOptions {
  /**
   * A connection with the pipeline's rights (it creates the reader role and the catalog views); its URL is
   * reused, with the reader role's name and password, for the reader's own connections.
   */
  readonly adminPool: pg.Pool
  /** The role queries run as (default: `datawarp_reader_<database>`). */
  readonly readerRole?: string
}

/** The database behind a reader: consumer statements run as the reader role only (see reader-role.ts). */
export async function openPostgresReader(options: PostgresReaderOptions): Promise<Reader> {
  const limits = resolveLimits(options.limits)
  const adminUrl = (options.adminPool.options as { connectionString?: string }).connectionString
  if (!adminUrl)
    throw new Error('the database pool has no connection string to derive the reader role’s from')
  const client = await options.adminPool.connect()
  let role: string
  let password: string
  try {
    const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database')
    role = options.readerRole ?? defaultReaderRole(rows[0]!.database)
    password = await ensureReaderRole(client, role, limits)
  } finally {
    client.release()
  }
  const pool = readerPool(adminUrl, role, password)
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end()
    throw new Error(
      `the reader role ${role} cannot log in: ${(error as Error).message} (pg_hba.conf must let it connect with a password)`,
    )
  }
  return new PostgresReader(pool, limits, new ManifestFiles(options.root), async () => {
    const client = await options.adminPool.connect()
    try {
      await refreshReaderGrants(client, role)
    } finally {
      client.release()
    }
  })
}

/** A folder of Parquet exports (with its catalog.parquet) behind a reader, with no database. */
export async function openExportsReader(exportsDir: string, options: ReaderOptions = {}): Promise<Reader> {
  return openParquetReader(exportsDir, resolveLimits(options.limits), new ManifestFiles(options.root))
}
