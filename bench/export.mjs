// Benchmark: exportAll (PostgreSQL → Parquet) against DuckDB writing the same rows to Parquet.
//
//   npx tsc -p tsconfig.build.json && node bench/export.mjs
//
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the bench
// creates a scratch database next to it (dw_bench_export), fills one source table with BENCH_ROWS
// rows (default 1,000,000) × 10 data columns + 4 lineage columns, and drops it at the end
// (BENCH_KEEP=1 keeps it). Files go to a temporary directory that is removed at the end. Both
// exportAll and DuckDB run BENCH_RUNS times (default 3) and the best time counts.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream/promises'
import { DuckDBInstance } from '@duckdb/node-api'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import { ensureLedger } from '../build/db/ledger-schema.js'
import { exportAll } from '../build/export/index.js'

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const rowCount = Number(process.env.BENCH_ROWS ?? 1_000_000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const benchDb = 'dw_bench_export'

const fields = [
  { name: 'id', title: 'Row id', type: 'integer', sql: 'g' },
  {
    name: 'practice_code',
    title: 'Practice code',
    type: 'string',
    sql: `'P' || lpad((g % 6800)::text, 5, '0')`,
  },
  {
    name: 'region',
    title: 'Region',
    type: 'string',
    sql: `(ARRAY['London','Midlands','North East and Yorkshire','North West','South East','South West','East of England'])[g % 7 + 1]`,
  },
  {
    name: 'appointment_date',
    title: 'Appointment date',
    type: 'date',
    sql: `date '2023-01-01' + (g % 730)::int`,
  },
  { name: 'appointments', title: 'Appointments', type: 'integer', sql: '(g * 7919) % 100000' },
  {
    name: 'dna_count',
    title: 'Did not attend',
    type: 'integer',
    sql: 'CASE WHEN g % 20 = 0 THEN NULL ELSE (g * 31) % 5000 END',
  },
  { name: 'rate', title: 'Rate', type: 'number', sql: `round(((g * 104729) % 1000000) / 37.0, 9)` },
  { name: 'mean_wait_days', title: 'Mean wait (days)', type: 'number', sql: `((g % 4000) / 10.0)` },
  {
    name: 'comment',
    title: 'Comment',
    type: 'string',
    sql: `CASE WHEN g % 10 = 0 THEN 'Note for row ' || g || E' \\u2013 r\\u00e9vis\\u00e9' WHEN g % 1000 = 1 THEN E'tab\\there ' || g ELSE NULL END`,
  },
  {
    name: 'snapshot_date',
    title: 'Snapshot date',
    type: 'date',
    sql: `date '2024-01-31' + (g % 12)::int * 30`,
  },
]
const SQL_TYPE = { integer: 'bigint', number: 'numeric', date: 'date', string: 'text' }
const DUCK_TYPE = { integer: 'BIGINT', number: 'DOUBLE', date: 'DATE', string: 'VARCHAR' }
const periods = 12

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
function rate(rows, ms) {
  return `${Math.round(rows / (ms / 1000)).toLocaleString('en-GB')} rows/s`
}

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`)
await admin.query(`CREATE DATABASE ${benchDb}`)
const dbUrl = new URL(serverUrl)
dbUrl.pathname = `/${benchDb}`
const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 })
pool.on('error', () => {})
const dir = mkdtempSync(join(tmpdir(), 'datawarp-bench-export-'))

try {
  const setupStart = performance.now()
  const client = await pool.connect()
  await ensureLedger(client)
  client.release()
  const columnsDdl = fields.map((f) => `${f.name} ${SQL_TYPE[f.type]}`).join(', ')
  await pool.query(`CREATE SCHEMA bench_pub`)
  await pool.query(
    `CREATE TABLE bench_pub.appointments (${columnsDdl}, _period text NOT NULL, _load_id bigint NOT NULL,
       _source_file text NOT NULL, _loaded_at timestamptz NOT NULL)`,
  )
  // Periods are inserted newest first, so the export's ORDER BY has real work to do.
  await pool.query(
    `INSERT INTO bench_pub.appointments
     SELECT ${fields.map((f) => f.sql).join(', ')},
            to_char(date '2024-01-01' + ((${periods} - 1 - g % ${periods}) || ' month')::interval, 'YYYY-MM'),
            ${periods} - g % ${periods},
            'appointments_' || (${periods} - 1 - g % ${periods}) || '.csv',
            timestamptz '2025-01-01 00:00:00+00' + (g % ${periods}) * interval '1 hour'
     FROM generate_series(1::bigint, ${rowCount}) AS g`,
  )
  await pool.query('VACUUM ANALYZE bench_pub.appointments')
  await pool.query(
    `INSERT INTO datawarp.sources VALUES ('bench_pub', 'appointments', 'Bench publication', 'bench_pub',
       'appointments', 'Appointments', 'Benchmark table', $1, now())`,
    [JSON.stringify(fields.map(({ name, title, type }) => ({ name, title, type })))],
  )
  const { rows: sizeRows } = await pool.query(
    `SELECT pg_total_relation_size('bench_pub.appointments') AS bytes`,
  )
  console.log(
    `setup: ${rowCount.toLocaleString('en-GB')} rows × ${fields.length} data columns (+4 lineage) in ` +
      `${benchDb}, table ${mb(Number(sizeRows[0].bytes))}, ${Math.round(performance.now() - setupStart)} ms`,
  )

  // 1. exportAll, best of `runs` (the machine may be shared; the best run is the least disturbed).
  const exportsDir = join(dir, 'exports')
  const rssBefore = process.resourceUsage().maxRSS
  const exportTimes = []
  let source
  for (let run = 0; run < runs; run++) {
    const result = await exportAll(pool, exportsDir)
    source = result.sources[0]
    exportTimes.push(result.durationMs)
  }
  const maxRssKb = process.resourceUsage().maxRSS
  const exportMs = Math.min(...exportTimes)
  console.log(
    `\nexportAll: ${source.rows.toLocaleString('en-GB')} rows in ${exportMs} ms (best of ${exportTimes.join(', ')} ms) = ` +
      `${rate(source.rows, exportMs)}; file ${mb(source.bytes)}; peak RSS ${mb(maxRssKb * 1024)} ` +
      `(${mb(rssBefore * 1024)} before the first export)`,
  )

  // 2. The bare PostgreSQL side, for reference: the same sorted COPY in text format, discarded.
  const columnList = [...fields.map((f) => f.name), '_period', '_load_id', '_source_file', '_loaded_at'].join(
    ', ',
  )
  const select = `SELECT ${columnList} FROM bench_pub.appointments ORDER BY _period COLLATE "C", _load_id`
  const copyClient = await pool.connect()
  await copyClient.query(`SET work_mem = '128MB'`)
  let t
  const copyTimes = []
  let copiedBytes = 0
  for (let run = 0; run < runs; run++) {
    t = performance.now()
    copiedBytes = 0
    for await (const chunk of copyClient.query(copyTo(`COPY (${select}) TO STDOUT`)))
      copiedBytes += chunk.length
    copyTimes.push(Math.round(performance.now() - t))
  }
  const copyTextMs = Math.min(...copyTimes)
  console.log(
    `PostgreSQL COPY text alone (the same sorted query, read and discarded): ${copyTextMs} ms ` +
      `(best of ${copyTimes.join(', ')} ms), ${mb(copiedBytes)}`,
  )

  // 3. DuckDB: dump the same rows to CSV (timed separately), then CSV → Parquet inside DuckDB.
  const csvPath = join(dir, 'appointments.csv')
  t = performance.now()
  await pipeline(
    copyClient.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER)`)),
    createWriteStream(csvPath),
  )
  const dumpMs = performance.now() - t
  copyClient.release()

  const duck = await DuckDBInstance.create(':memory:')
  const con = await duck.connect()
  const threads = (await con.runAndReadAll(`SELECT current_setting('threads') AS t`)).getRowObjectsJson()[0].t
  const duckColumns = [
    ...fields.map((f) => `'${f.name}': '${DUCK_TYPE[f.type]}'`),
    `'_period': 'VARCHAR'`,
    `'_load_id': 'BIGINT'`,
    `'_source_file': 'VARCHAR'`,
    `'_loaded_at': 'TIMESTAMPTZ'`,
  ].join(', ')
  const duckParquet = join(dir, 'duckdb.parquet')
  const duckSql = `COPY (SELECT * FROM read_csv('${csvPath}', header = true, columns = {${duckColumns}})) TO '${duckParquet}' (FORMAT parquet)`
  const duckTimes = []
  for (let run = 0; run < runs; run++) {
    t = performance.now()
    await con.run(duckSql)
    duckTimes.push(Math.round(performance.now() - t))
  }
  const duckMs = Math.min(...duckTimes)
  const check = (
    await con.runAndReadAll(
      `SELECT (SELECT count(*) FROM read_parquet('${duckParquet}')) AS duck_rows,
              (SELECT count(*) FROM read_parquet('${source.path}')) AS our_rows`,
    )
  ).getRowObjectsJson()[0]
  con.closeSync()
  duck.closeSync()

  console.log(
    `PostgreSQL COPY csv → file (${mb(statSync(csvPath).size)}): ${Math.round(dumpMs)} ms\n` +
      `DuckDB (${threads} threads, snappy, default row groups) CSV → Parquet: ${duckMs} ms ` +
      `(best of ${duckTimes.join(', ')} ms) = ` +
      `${rate(rowCount, duckMs)}; file ${mb(statSync(duckParquet).size)}\n` +
      `  DuckDB ran: ${duckSql}\n` +
      `  rows read back by DuckDB: theirs ${check.duck_rows}, ours ${check.our_rows}`,
  )
  console.log(
    `\nratio, exportAll speed ÷ DuckDB CSV→Parquet speed (DuckDB not charged for reading PostgreSQL): ` +
      `${(duckMs / exportMs).toFixed(2)}\n` +
      `ratio, exportAll speed ÷ (PostgreSQL CSV dump + DuckDB CSV→Parquet) speed: ` +
      `${((dumpMs + duckMs) / exportMs).toFixed(2)}\n` +
      `ceiling for any COPY-text exporter, PostgreSQL COPY alone ÷ DuckDB CSV→Parquet: ` +
      `${(duckMs / copyTextMs).toFixed(2)}; exportAll takes ${(exportMs / copyTextMs).toFixed(2)}× the COPY-alone time`,
  )
} finally {
  await pool.end()
  if (!process.env.BENCH_KEEP) await admin.query(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`)
  await admin.end()
  rmSync(dir, { recursive: true, force: true })
}
