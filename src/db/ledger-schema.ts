import type pg from 'pg'
import { type Database, inClientTransaction, openDatabase } from './database.js'

/**
 * The `datawarp` schema: the load ledger and the catalog metadata the exports are built from.
 * Data tables live in a schema named after the publication code, one table per source (see docs/database.md).
 */
export const LEDGER_SCHEMA_VERSION = 5

/** Changes to ledgers made by earlier versions, by the version they bring the ledger to. */
const MIGRATIONS: Record<number, string> = {
  // held: the period differs from the canonical manifest and waits for review (reason says why).
  2: `
ALTER TABLE datawarp.loads ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE datawarp.loads DROP CONSTRAINT IF EXISTS loads_status_check;
ALTER TABLE datawarp.loads ADD CONSTRAINT loads_status_check CHECK (status IN ('loaded', 'failed', 'held'));`,
  // LLM enrichment (src/enrich/): tokens and estimated cost per load; answers cached by the request's sha256.
  3: `
ALTER TABLE datawarp.loads ADD COLUMN IF NOT EXISTS llm_tokens integer;
ALTER TABLE datawarp.loads ADD COLUMN IF NOT EXISTS llm_cost_usd numeric;
CREATE TABLE IF NOT EXISTS datawarp.llm_cache (
  request_hash text PRIMARY KEY,
  model        text NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);`,
  // abandoned: a run whose process is gone (killed) without ending; host and pid say where it ran.
  4: `
ALTER TABLE datawarp.runs ADD COLUMN IF NOT EXISTS host text;
ALTER TABLE datawarp.runs ADD COLUMN IF NOT EXISTS pid integer;
ALTER TABLE datawarp.runs DROP CONSTRAINT IF EXISTS runs_status_check;
ALTER TABLE datawarp.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'));`,
  // Where a source's description came from (the manifest's descriptionSource), for the catalog.
  5: `
ALTER TABLE datawarp.sources ADD COLUMN IF NOT EXISTS description_source text;`,
}

const DDL = `
CREATE SCHEMA IF NOT EXISTS datawarp;

CREATE TABLE IF NOT EXISTS datawarp.schema_version (version integer PRIMARY KEY);

CREATE TABLE IF NOT EXISTS datawarp.runs (
  run_id      text PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
  host        text,
  pid         integer,
  summary     jsonb
);

-- One row per attempt to load a (publication, period). Skips are not rows; they are in runs.summary.
CREATE TABLE IF NOT EXISTS datawarp.loads (
  load_id       bigserial PRIMARY KEY,
  run_id        text NOT NULL,
  publication   text NOT NULL,
  period        text NOT NULL,
  status        text NOT NULL,
  manifest_hash text,
  rows_loaded   bigint,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  error         text,
  error_where   text
);
CREATE INDEX IF NOT EXISTS loads_publication_period ON datawarp.loads (publication, period, load_id DESC);


-- One row per table loaded by a successful load: which file it came from and what it held.
CREATE TABLE IF NOT EXISTS datawarp.load_sources (
  load_id     bigint NOT NULL REFERENCES datawarp.loads ON DELETE CASCADE,
  source_key  text NOT NULL,
  table_name  text NOT NULL,
  url         text NOT NULL,
  file_name   text NOT NULL,
  sheet       text,
  sha256      text NOT NULL,
  bytes       bigint NOT NULL,
  rows_read   bigint NOT NULL,
  rows_loaded bigint NOT NULL,
  fields      jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS load_sources_load ON datawarp.load_sources (load_id);

-- The canonical description of every loaded source, so exports need the database alone.
CREATE TABLE IF NOT EXISTS datawarp.sources (
  publication      text NOT NULL,
  source_key       text NOT NULL,
  publication_name text NOT NULL,
  table_schema     text NOT NULL,
  table_name       text NOT NULL,
  title            text,
  description      text,
  fields           jsonb NOT NULL,
  updated_at       timestamptz NOT NULL,
  -- Last, where ledger version 5 added it to earlier ledgers: the same column order on every ledger.
  description_source text,
  PRIMARY KEY (publication, source_key)
);

-- The validators (ETag, Last-Modified) of the last response per URL, for conditional requests; sha256 of the
-- file they describe; for an HTML page, the links found on it, so a 304 needs no body (src/db/http-cache.ts).
CREATE TABLE IF NOT EXISTS datawarp.http_cache (
  url           text PRIMARY KEY,
  etag          text,
  last_modified text,
  sha256        text NOT NULL,
  bytes         bigint NOT NULL,
  links         jsonb,
  fetched_at    timestamptz NOT NULL,
  checked_at    timestamptz NOT NULL
);
`

/** Creates or upgrades the ledger. Safe to run concurrently: an advisory lock serialises it. */
export async function ensureLedger(client: pg.ClientBase): Promise<void> {
  await inClientTransaction(client, async () => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('datawarp.ledger'))`)
    await client.query(DDL)
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM datawarp.schema_version',
    )
    const current = rows[0]?.version ?? 1
    for (let version = current + 1; version <= LEDGER_SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version]
      if (migration) await client.query(migration)
    }
    await client.query('INSERT INTO datawarp.schema_version VALUES ($1) ON CONFLICT DO NOTHING', [
      LEDGER_SCHEMA_VERSION,
    ])
  })
}

/** The database (a URL, else the embedded server) with the ledger schema in place; closed again when that fails. */
export async function openWithLedger(options: {
  databaseUrl?: string
  embeddedDir: string
}): Promise<Database> {
  const db = await openDatabase(options)
  try {
    const client = await db.pool.connect()
    try {
      await ensureLedger(client)
    } finally {
      client.release()
    }
    return db
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}
