import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import { recordRunStart } from './ledger.js'

describe('runs whose process is gone', () => {
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  beforeAll(async () => {
    db = await openLedgerDatabase()
  })
  afterAll(() => db.close())

  const status = async (runId: string) =>
    (await db.pool.query<{ status: string }>('SELECT status FROM datawarp.runs WHERE run_id = $1', [runId]))
      .rows[0]?.status

  it('are marked abandoned at the next run start; live ones and recent ones elsewhere stay running', async () => {
    const insert = (runId: string, host: string, pid: number, hoursAgo: number) =>
      db.pool.query(
        `INSERT INTO datawarp.runs (run_id, started_at, status, host, pid)
         VALUES ($1, now() - make_interval(hours => $4), 'running', $2, $3)`,
        [runId, host, pid, hoursAgo],
      )
    await insert('killed-here', hostname(), 2 ** 22 + 12345, 1) // no such process on this machine
    await insert('alive-here', hostname(), process.pid, 1)
    await insert('elsewhere-recent', 'another-runner', 1, 2)
    await insert('elsewhere-old', 'another-runner', 1, 30)
    await recordRunStart(db.pool, 'next')
    expect(await status('killed-here')).toBe('abandoned')
    expect(await status('alive-here')).toBe('running')
    expect(await status('elsewhere-recent')).toBe('running')
    expect(await status('elsewhere-old')).toBe('abandoned')
    expect(await status('next')).toBe('running')
    const next = await db.pool.query('SELECT host, pid FROM datawarp.runs WHERE run_id = $1', ['next'])
    expect(next.rows[0]).toEqual({ host: hostname(), pid: process.pid })
  })
})
