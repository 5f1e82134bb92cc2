import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestDatabase, query } from '../../test/support/database.js'
import { runPipeline } from './index.js'

/** The period whose draft.yaml cannot be written, as when the disk is full; undefined writes everything. */
let unwritable: string | undefined

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    writeFileSync: (path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (unwritable && String(path).endsWith(join(unwritable, 'draft.yaml'))) throw new Error('disk full')
      return (fs.writeFileSync as (...args: unknown[]) => void)(path, ...rest)
    },
  }
})

describe('a period read in one pass', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let root: string
  let configPath: string

  beforeAll(async () => {
    db = await createTestDatabase()
    root = fs.mkdtempSync(join(tmpdir(), 'datawarp-single-pass-'))
    fs.chmodSync(root, 0o755)
    fs.mkdirSync(join(root, 'config'))
    const csv = join(root, 'counts.csv')
    fs.writeFileSync(csv, 'Code,Count\nA,1\nB,2\n')
    configPath = join(root, 'config', 'publications.yaml')
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\npublications:\n  counts:\n    name: Counts\n    urls:\n` +
        `      - { period: 2024-01, url: "${csv}" }\n      - { period: 2024-02, url: "${csv}" }\n`,
    )
  })

  afterAll(async () => {
    await db.drop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('gives its transaction back when the run fails after the copy: the next period still loads', async () => {
    const first = await runPipeline({ configPath, root, databaseUrl: db.url })
    expect(first.publications[0]!.periods.map((p) => p.status)).toEqual(['loaded', 'loaded'])
    unwritable = '2024-01'
    const hung = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the run hung')), 20_000),
    )
    const second = await Promise.race([
      runPipeline({ configPath, root, databaseUrl: db.url, force: true }),
      hung,
    ])
    expect(second.publications[0]!.periods.map((p) => [p.period, p.status, p.error])).toEqual([
      ['2024-01', 'failed', 'disk full'],
      ['2024-02', 'loaded', undefined],
    ])
    expect(
      await query(
        db.url,
        `SELECT count(*)::int n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction'`,
      ),
    ).toEqual([{ n: 0 }])
  })
})
