import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, query } from '../../test/support/database.js'
import { readCanonicalManifest, writeCanonicalManifest } from '../manifest/canonical.js'
import { defaultCanonicalManifestPath } from '../model/config.js'
import { runPipeline } from './index.js'

describe('a reviewed manifest whose change is text only', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let root: string
  let configPath: string
  const run = () => runPipeline({ configPath, root, databaseUrl: db.url })
  const comments = async () =>
    (
      await query<{ table: string | null; code: string | null }>(
        db.url,
        `SELECT obj_description('counts.counts'::regclass, 'pg_class') AS table,
                col_description('counts.counts'::regclass, 1) AS code`,
      )
    )[0]!
  const dataPackage = () =>
    JSON.parse(fs.readFileSync(join(root, 'data', 'exports', 'datapackage.json'), 'utf8')) as {
      resources: {
        name: string
        title?: string
        schema: { fields: { name: string; description?: string }[] }
      }[]
    }

  beforeAll(async () => {
    db = await createTestDatabase()
    root = fs.mkdtempSync(join(tmpdir(), 'datawarp-text-'))
    fs.mkdirSync(join(root, 'config'))
    fs.writeFileSync(join(root, 'counts.csv'), 'Code,Count\nA,1\nB,2\n')
    configPath = join(root, 'config', 'publications.yaml')
    fs.writeFileSync(
      configPath,
      `settings:\n  contract: evolve\npublications:\n  counts:\n    name: Counts\n    urls:\n` +
        `      - { period: 2024-01, url: "${join(root, 'counts.csv')}" }\n`,
    )
  })
  afterAll(async () => {
    await db.drop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('reaches the comments, the catalog and datapackage.json on the next run, which loads nothing', async () => {
    const first = await run()
    expect(first.publications[0]!.periods.map((p) => p.status)).toEqual(['loaded'])
    const loaded = await comments()
    expect(loaded.table).toMatch(/\nPublication: Counts\.$/)
    expect(loaded.code).toMatch(/^Code/)
    // A rerun with the manifest as the load left it finds the text in step: nothing written, nothing exported.
    const again = await run()
    expect(again.publications[0]!.periods.map((p) => p.status)).toEqual(['skipped'])
    expect(again.exported?.sources).toBe(0)

    // The review: a person rewrites the title and a column's description, and the pull request is merged.
    const path = join(root, defaultCanonicalManifestPath('counts'))
    const manifest = readCanonicalManifest(path)!
    const [source] = manifest.sources
    const reviewed = {
      ...manifest,
      sources: [
        {
          ...source!,
          title: 'Counts by code, as reviewed',
          schema: {
            ...source!.schema,
            fields: source!.schema.fields.map((f) =>
              f.name === 'code'
                ? { ...f, description: 'The code, as the reviewer explains it', descriptionSource: undefined }
                : f,
            ),
          },
        },
      ],
    }
    writeCanonicalManifest(path, reviewed)

    const second = await run()
    expect(second.publications[0]!.periods.map((p) => p.status)).toEqual(['skipped'])
    const reviewedComments = await comments()
    expect(reviewedComments.table).toMatch(/^Counts by code, as reviewed\n/)
    expect(reviewedComments.code).toBe('Code — The code, as the reviewer explains it')
    const [stored] = await query<{ title: string; code: { description: string } }>(
      db.url,
      `SELECT title, fields->0 AS code FROM datawarp.sources`,
    )
    expect(stored).toMatchObject({
      title: 'Counts by code, as reviewed',
      code: { description: 'The code, as the reviewer explains it' },
    })
    const resource = dataPackage().resources.find((r) => r.name === 'counts__counts')!
    expect(resource.title).toBe('Counts by code, as reviewed')
    expect(resource.schema.fields[0]).toMatchObject({
      name: 'code',
      description: 'The code, as the reviewer explains it',
      'datawarp:descriptionSource': 'reviewer',
    })
    expect(second.exported?.sources).toBe(1)

    // A third run finds the text in step: nothing is written, nothing exported again.
    const third = await run()
    expect(third.exported?.sources).toBe(0)
  })
})
