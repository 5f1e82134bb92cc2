import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { ensureLedger } from '../../src/db/ledger-schema.js'

/** A fresh, empty database on the test server; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('adminDatabaseUrl')
  const name = `dw_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** Runs one statement on its own connection and returns the rows. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** A fresh database with the ledger schema, a pool on it, and close() to end the pool and drop the database. */
export async function openLedgerDatabase(): Promise<{
  url: string
  pool: pg.Pool
  close: () => Promise<void>
}> {
  const db = await createTestDatabase()
  const pool = new pg.Pool({ connectionString: db.url })
  const client = await pool.connect()
  try {
    await ensureLedger(client)
  } finally {
    client.release()
  }
  return {
    url: db.url,
    pool,
    async close() {
      await pool.end()
      await db.drop()
    },
  }
}
