// Scratch PostgreSQL databases for the benchmarks: one statement on a fresh connection, and a database created and
// dropped by name on the server BENCH_DATABASE_URL names (the local PostgreSQL by default).
import pg from 'pg'

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export async function sql(url, text) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

/** The URL of database `name` on the admin server, with `create` and `drop` (dropped even while in use). */
export function scratchDatabase(name) {
  return {
    url: Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString(),
    create: () => sql(ADMIN_URL, `CREATE DATABASE ${name}`),
    drop: () => sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}
