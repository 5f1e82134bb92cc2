import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openExportsReader, openPostgresReader, type Reader } from '../../src/read/index.js'
import { query } from '../support/database.js'
import { writeCsv } from '../support/fixtures.js'
import { dropReaderRoleIn, type LoadedProject, loadedProject } from '../support/loaded-project.js'

/**
 * Every known way peers' read-only modes were bypassed, tried against both backends: each is refused with a
 * clear error, and afterwards the database (or the exports folder) is exactly as before.
 */
const TABLE = 'guarded.counts'
const PWNED = join(tmpdir(), `datawarp-pwned-${process.pid}`)

let fixtureDir: string
let project: LoadedProject
let admin: pg.Pool
let role: string
let postgres: Reader
let parquet: Reader

beforeAll(async () => {
  fixtureDir = mkdtempSync(join(tmpdir(), 'datawarp-security-'))
  writeCsv(
    join(fixtureDir, 'Counts_Jan24.csv'),
    ['Practice Code', 'Patients'],
    Array.from({ length: 30 }, (_, i) => [`P${i}`, i * 10]),
  )
  project = await loadedProject(fixtureDir, 'guarded', [['2024-01', 'Counts_Jan24.csv']])
  admin = new pg.Pool({ connectionString: project.databaseUrl })
  // A database where someone installed dblink and a function that writes: the reader must still be stuck.
  await admin.query('CREATE EXTENSION IF NOT EXISTS dblink')
  await admin.query(`CREATE TABLE public.audit (note text)`)
  await admin.query(
    `CREATE FUNCTION public.note_it(t text) RETURNS int LANGUAGE sql AS $$ INSERT INTO public.audit VALUES (t) RETURNING 1 $$`,
  )
  role = `dw_sec_${new URL(project.databaseUrl).pathname.slice(1)}`
  postgres = await openPostgresReader({ adminPool: admin, readerRole: role, limits: { timeoutMs: 1_000 } })
  parquet = await openExportsReader(project.exportsDir, { limits: { timeoutMs: 1_000 } })
}, 120_000)

afterAll(async () => {
  await postgres?.close()
  await parquet?.close()
  await admin?.end()
  if (project) await dropReaderRoleIn(project.databaseUrl, role)
  await project?.stop()
  rmSync(fixtureDir, { recursive: true, force: true })
  rmSync(PWNED, { force: true })
})

/** Everything a bypass could change: the data, the tables, the ledger, the roles, large objects, a file. */
async function databaseState(): Promise<string> {
  const [state] = await query<Record<string, unknown>>(
    project.databaseUrl,
    `SELECT (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ${TABLE} t) AS data,
            (SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_tables
              WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) AS tables,
            (SELECT count(*) FROM datawarp.loads) AS loads,
            (SELECT count(*) FROM public.audit) AS audit,
            (SELECT count(*) FROM pg_largeobject_metadata) AS large_objects,
            (SELECT string_agg(rolname || rolsuper::text || rolcanlogin::text, ',' ORDER BY rolname) FROM pg_roles) AS roles,
            (SELECT string_agg(setrole::regrole::text || array_to_string(setconfig, ';'), ',' ORDER BY 1)
              FROM pg_db_role_setting) AS settings`,
  )
  return JSON.stringify({ ...state, file: existsSync(PWNED) })
}

/** Every file under the folder (the source folders included) with its hash. */
function folderState(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort()
    .map(
      (name) =>
        `${name}:${createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex')}`,
    )
    .join('\n')
}

describe('the PostgreSQL reader refuses every known bypass and changes nothing', () => {
  const dbName = () => new URL(project.databaseUrl).pathname.slice(1)
  const bypasses: [string, () => string, RegExp][] = [
    [
      'COMMIT closing the read-only wrapper',
      () => `COMMIT; DROP TABLE ${TABLE}`,
      /syntax error|multiple commands/,
    ],
    ['a leading comment before a write', () => `/* SELECT */ DELETE FROM ${TABLE}`, /syntax error/],
    [
      'a data-modifying WITH',
      () => `WITH gone AS (DELETE FROM ${TABLE} RETURNING *) SELECT * FROM gone`,
      /WITH clause containing a data-modifying statement/,
    ],
    ['COPY … TO PROGRAM', () => `COPY (SELECT 1) TO PROGRAM 'touch ${PWNED}'`, /syntax error/],
    ['a function that writes', () => `SELECT public.note_it('x')`, /read-only transaction|permission denied/],
    ['a second statement', () => `SELECT 1; DELETE FROM ${TABLE}`, /syntax error|multiple commands/],
    ['SET ROLE', () => 'SET ROLE postgres', /syntax error/],
    [
      'set_config of the role',
      () => `SELECT set_config('role', 'postgres', false)`,
      /permission denied to set role/,
    ],
    ['SET transaction_read_only', () => 'SET transaction_read_only = off', /syntax error/],
    [
      'set_config of transaction_read_only',
      () => `SELECT set_config('transaction_read_only', 'off', true)`,
      /read-write mode must be set before any query|read-only/,
    ],
    ['lo_import', () => `SELECT lo_import('/etc/passwd')`, /permission denied|read-only transaction/],
    ['pg_read_file', () => `SELECT pg_read_file('/etc/passwd')`, /permission denied/],
    [
      'dblink to a superuser session',
      () =>
        `SELECT * FROM dblink('dbname=${dbName()} user=postgres host=127.0.0.1', 'DROP TABLE ${TABLE}') AS t(x text)`,
      /password is required|permission denied/,
    ],
    [
      'dblink_exec',
      () => `SELECT dblink_exec('dbname=${dbName()} user=postgres host=127.0.0.1', 'DROP TABLE ${TABLE}')`,
      /password is required|permission denied/,
    ],
    ['reading the ledger', () => 'SELECT * FROM datawarp.reader_roles', /permission denied/],
    ['a statement past the time limit', () => 'SELECT pg_sleep(5)', /statement timeout.*time limit/],
  ]

  it.each(bypasses)('refuses %s', async (_, sql, reason) => {
    const before = await databaseState()
    const refused = postgres.query({ sql: sql() })
    await expect(refused).rejects.toThrow(/^query refused: /)
    await expect(refused).rejects.toThrow(reason)
    await expect(refused).rejects.toThrow(/nothing was changed$/)
    expect(await databaseState()).toBe(before)
  })

  it('releases an advisory lock a query took, so it cannot block loads and exports', async () => {
    const [first] = (
      await postgres.query({ sql: `SELECT pg_backend_pid(), pg_advisory_lock(hashtext('datawarp.export'))` })
    ).rows
    // The same connection serves the next query: the lock was released, not dropped with the connection.
    expect((await postgres.query({ sql: 'SELECT pg_backend_pid()' })).rows[0]![0]).toBe(first![0])
    const [taken] = await query<{ ok: boolean }>(
      project.databaseUrl,
      `SELECT pg_try_advisory_lock(hashtext('datawarp.export')) AS ok`,
    )
    expect(taken?.ok).toBe(true)
  })

  it('runs as a role with no superuser, no memberships and read-only defaults', async () => {
    const [attributes] = await query<Record<string, unknown>>(
      project.databaseUrl,
      `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
              (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS memberships
       FROM pg_roles r WHERE rolname = $1`,
      [role],
    )
    expect(attributes).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
      memberships: 0,
    })
    const who = await postgres.query({
      sql: `SELECT current_user, session_user, current_setting('transaction_read_only')`,
    })
    expect(who.rows).toEqual([[role, role, 'on']])
  })

  it('will not take over a role of that name with more rights', async () => {
    const risky = `${role}_x`.slice(0, 63)
    await admin.query(`CREATE ROLE ${risky} CREATEDB`)
    try {
      await expect(openPostgresReader({ adminPool: admin, readerRole: risky })).rejects.toThrow(
        /more rights than a reader may have/,
      )
    } finally {
      await admin.query(`DROP ROLE ${risky}`)
    }
  })
})

describe('the Parquet reader opens the exports folder only and changes nothing', () => {
  const dir = () => project.exportsDir
  const bypasses: [string, () => string, RegExp][] = [
    ['COPY into the exports folder', () => `COPY (SELECT 1) TO '${dir()}/extra.csv'`, /COPY statement/],
    ['ATTACH a new database file', () => `ATTACH '${dir()}/extra.db'`, /ATTACH statement/],
    ['INSTALL an extension', () => 'INSTALL httpfs', /statement/],
    ['LOAD an extension', () => 'LOAD httpfs', /statement/],
    ['switching file access back on', () => 'SET enable_external_access = true', /statement/],
    ['a file outside the folder', () => `SELECT * FROM read_csv('/etc/passwd')`, /disabled by configuration/],
    ['a glob outside the folder', () => `SELECT * FROM glob('/etc/*')`, /disabled by configuration/],
    [
      'a Parquet glob climbing out of the folder',
      () => `SELECT * FROM read_parquet('${dir()}/../**/*.parquet')`,
      /disabled by configuration|Permission|not allowed/i,
    ],
    ['a second statement', () => `SELECT 1; DROP VIEW ${TABLE}`, /2 statements/],
    ['a leading comment before a write', () => `/* SELECT */ DROP VIEW ${TABLE}`, /DROP statement/],
    ['CREATE TABLE', () => 'CREATE TABLE scratch AS SELECT 1', /CREATE statement/],
    [
      'a statement run through query()',
      () => `SELECT * FROM query('DROP VIEW ${TABLE}')`,
      /single SELECT statement/,
    ],
  ]

  it.each(bypasses)('refuses %s', async (_, sql, reason) => {
    const before = folderState(dir())
    const refused = parquet.query({ sql: sql() })
    await expect(refused).rejects.toThrow(/^query refused: /)
    await expect(refused).rejects.toThrow(reason)
    expect(folderState(dir())).toBe(before)
    expect((await parquet.query({ sql: `SELECT count(*) FROM ${TABLE}` })).rows).toEqual([[30]])
  })

  it('stops a statement at the time limit', async () => {
    await expect(parquet.query({ sql: 'SELECT count(*) FROM range(100000000000) a' })).rejects.toThrow(
      /time limit/,
    )
  })
})
