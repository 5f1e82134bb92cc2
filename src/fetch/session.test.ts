import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLedgerDatabase } from '../../test/support/database.js'
import { type LastLoad, writeHttpCache } from '../db/index.js'
import type { Config } from '../model/config.js'
import { FetchSession } from './session.js'

const listen = async (server: Server) => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return (server.address() as AddressInfo).port
}

describe('the conditional requests that skip an unchanged period', () => {
  let allowed: Server
  let other: Server
  let otherRequests = 0
  let base: string
  let otherHost: string
  let db: Awaited<ReturnType<typeof openLedgerDatabase>>
  let work: string

  beforeAll(async () => {
    other = createServer((_req, res) => {
      otherRequests++
      res.writeHead(304).end()
    })
    otherHost = `localhost:${await listen(other)}`
    allowed = createServer((_req, res) => res.writeHead(302, { location: `http://${otherHost}/x.csv` }).end())
    base = `http://127.0.0.1:${await listen(allowed)}`
    db = await openLedgerDatabase()
    work = await mkdtemp(join(tmpdir(), 'datawarp-session-'))
  })

  afterAll(async () => {
    for (const server of [allowed, other]) {
      server.closeAllConnections()
      await new Promise((done) => server.close(done))
    }
    await db.close()
    await rm(work, { recursive: true, force: true })
  })

  it('are asked of the allowed hosts only, on every redirect hop, before the request is sent', async () => {
    const url = `${base}/data.csv`
    await writeHttpCache(db.pool, { url, etag: '"v1"', sha256: 'a'.repeat(64), bytes: 10 })
    const last: LastLoad = {
      loadId: 1,
      rows: 1,
      finishedAt: new Date(),
      sources: [{ sourceKey: 'data', url, fileName: 'data.csv', sha256: 'a'.repeat(64), fields: [] }],
    }
    const config = {
      baseDir: work,
      localRoots: [work],
      settings: { fetch: { timeout_seconds: 2, retries: 0, max_bytes: 1024 * 1024 } },
    } as unknown as Config
    const session = new FetchSession({ pool: db.pool, config, workDir: work, write: false })
    const asked = session.unchangedFiles([{ url, allowedHosts: [new URL(base).host] }], last)
    await expect(asked).rejects.toThrow(`redirected to http://${otherHost}/x.csv`)
    await expect(asked).rejects.toThrow('not an allowed host')
    expect(otherRequests).toBe(0)
  })
})
