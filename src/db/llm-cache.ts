import type pg from 'pg'

/**
 * LLM answers kept in `datawarp.llm_cache` (ledger migration 3), by the sha256 of the request body: a rerun of
 * a held period sends the same requests, so it gets the same answers without calling the LLM again.
 */

export async function readLlmCache(pool: pg.Pool, hash: string): Promise<unknown | undefined> {
  const { rows } = await pool.query<{ response: unknown }>(
    'SELECT response FROM datawarp.llm_cache WHERE request_hash = $1',
    [hash],
  )
  return rows[0]?.response
}

/** Keeps the first answer for a request: the text a period proposed stays the text it proposes. */
export async function writeLlmCache(
  pool: pg.Pool,
  hash: string,
  model: string,
  response: unknown,
): Promise<void> {
  await pool.query(
    `INSERT INTO datawarp.llm_cache (request_hash, model, response, created_at)
     VALUES ($1, $2, $3, now()) ON CONFLICT (request_hash) DO NOTHING`,
    [hash, model, JSON.stringify(response)],
  )
}
