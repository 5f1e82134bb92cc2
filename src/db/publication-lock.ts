import type pg from 'pg'

/**
 * Takes the publication's load lock for the rest of the client's transaction: one load (or text refresh) of a
 * publication writes at a time.
 */
export async function lockPublicationLoad(client: pg.ClientBase, code: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('datawarp.publication'), hashtext($1))`, [code])
}

/**
 * Runs `work` while holding a session-level advisory lock on the publication, so two runs on one database never
 * process the same publication at once: the second waits, then finds the periods loaded and skips them as
 * unchanged. The key differs from the per-load transaction lock (lockPublicationLoad), which a load takes on another
 * connection while this one is held. The lock goes with the connection if the process dies.
 */
export async function withPublicationLock<T>(
  pool: pg.Pool,
  code: string,
  onWait: () => void,
  work: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  const key = [code]
  let locked = false
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(hashtext('datawarp.run'), hashtext($1)) AS ok`,
      key,
    )
    if (!rows[0]?.ok) {
      onWait()
      await client.query(`SELECT pg_advisory_lock(hashtext('datawarp.run'), hashtext($1))`, key)
    }
    locked = true
    return await work()
  } finally {
    if (locked)
      await client
        .query(`SELECT pg_advisory_unlock(hashtext('datawarp.run'), hashtext($1))`, key)
        .catch(() => {})
    client.release()
  }
}
