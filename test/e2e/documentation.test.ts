import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { CanonicalManifest } from '../../src/model/manifest.js'
import type { RunSummary } from '../../src/pipeline/index.js'
import { ensureBuilt, runCli } from '../support/cli.js'
import { createTestDatabase, query } from '../support/database.js'
import { FileServer } from '../support/file-server.js'
import { writeZip } from '../support/fixtures.js'
import { writeXlsx } from '../support/spreadsheets.js'

/**
 * A release that ships a definitions workbook beside its data, as the PCN workforce ZIP does: the built CLI,
 * the ZIP served over HTTP, a real PostgreSQL. The data columns carry the workbook's descriptions; the
 * workbook is documentation, never a table.
 */

const CODE = 'pcn_workforce'
const ZIP = 'primary-care-networks-march-2024.zip'
const CSV_MEMBER = '1.Primary Care Networks - March 2024 Individual Level.csv'
const DEFINITIONS_MEMBER = '2.Primary Care Networks - Overall Definitions.xlsx'

const DEFINITIONS: [field: string, description: string, comment: string | null][] = [
  ['PCN_CODE', 'Primary Care Network code', null],
  ['PCN_NAME', 'Primary Care Network name', null],
  ['STAFF_GROUP', 'The staff group of the role', 'Direct Patient Care, Admin/Non-Clinical or Nurses'],
  ['FTE', 'Full-time equivalent of the record (37.5 hours a week is 1)', null],
  ['NOT_IN_THIS_RELEASE', 'A field of an earlier edition', null],
]

let root: string
let server: FileServer
let db: { url: string; drop: () => Promise<void> }
let summary: RunSummary

beforeAll(async () => {
  ensureBuilt()
  root = mkdtempSync(join(tmpdir(), 'datawarp-documentation-'))
  chmodSync(root, 0o755)
  const served = join(root, 'served')
  mkdirSync(served)
  mkdirSync(join(root, 'config'))
  server = await new FileServer(served).start()
  db = await createTestDatabase()
  const definitions = join(root, 'definitions.xlsx')
  await writeXlsx(definitions, [
    {
      name: 'Definitions',
      rows: [
        [1, ['Primary Care Networks: definitions of the individual-level CSV']],
        [3, ['Name of Field', 'Description', 'Comments']],
        ...DEFINITIONS.map((d, i) => [4 + i, d] as const),
      ],
    },
  ])
  const csv = [
    'PCN_CODE,PCN_NAME,STAFF_GROUP,FTE',
    'U00070,Alpha PCN,Direct Patient Care,1',
    'U00071,Beta PCN,Admin/Non-Clinical,0.5',
    'U00072,Gamma PCN,Nurses,0.8',
  ].join('\r\n')
  await writeZip(join(served, ZIP), [
    { name: CSV_MEMBER, data: `${csv}\r\n` },
    { name: DEFINITIONS_MEMBER, data: readFileSync(definitions) },
  ])
  writeFileSync(
    join(root, 'config', 'publications.yaml'),
    `publications:
  ${CODE}:
    name: Primary Care Network Workforce
    contract: evolve
    urls:
      - { period: 2024-03, url: "${server.fileUrl(ZIP)}" }
`,
  )
  const result = await runCli(['run', '--json'], { cwd: root, env: { DATABASE_URL: db.url } })
  expect(result.code, result.stdout + result.stderr).toBe(0)
  summary = JSON.parse(result.stdout) as RunSummary
})

afterAll(async () => {
  await server?.stop()
  await db?.drop()
  if (root) rmSync(root, { recursive: true, force: true })
})

const canonical = (project = root) =>
  parse(
    readFileSync(join(project, 'manifests', 'canonical', CODE, `${CODE}_canonical.yaml`), 'utf8'),
  ) as CanonicalManifest

describe('a release that ships a definitions workbook beside its data', () => {
  it('loads the data and not the definitions workbook', async () => {
    expect(summary.publications[0]!.periods[0]).toMatchObject({
      period: '2024-03',
      status: 'loaded',
      rows: 3,
    })
    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = '${CODE}' ORDER BY 1`,
    )
    const table = canonical().sources[0]!.table
    // The data's table and its period partition: nothing of the definitions workbook.
    expect(tables.map((t) => t.table_name)).toEqual([table, `${table}_p2024_03`])
    expect(canonical().sources).toHaveLength(1)
    expect(canonical().sources[0]!.match.file).toMatch(/Individual Level/)
  })

  it("gives the data columns the workbook's descriptions, marked as the publisher's", async () => {
    const fields = canonical().sources[0]!.schema.fields
    const described = Object.fromEntries(fields.map((f) => [f.title, [f.description, f.descriptionSource]]))
    expect(described).toEqual({
      PCN_CODE: ['Primary Care Network code.', 'publisher'],
      PCN_NAME: ['Primary Care Network name.', 'publisher'],
      STAFF_GROUP: [
        'The staff group of the role. Direct Patient Care, Admin/Non-Clinical or Nurses.',
        'publisher',
      ],
      FTE: ['Full-time equivalent of the record (37.5 hours a week is 1).', 'publisher'],
    })
    // What the database serves its readers: the loaded manifest's text.
    const [loaded] = await query<{ fields: { name: string; description?: string }[] }>(
      db.url,
      `SELECT fields FROM datawarp.sources WHERE publication = '${CODE}'`,
    )
    expect(loaded!.fields.find((f) => f.name === 'fte')?.description).toBe(
      'Full-time equivalent of the record (37.5 hours a week is 1).',
    )
  })

  it("reports the workbook as documentation, with the columns it describes, in the run's events", () => {
    const events = join(root, 'data', 'logs', 'events')
    const lines = readdirSync(events, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(events, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { event: string; source?: string; sheet?: string; message?: string })
    const documented = lines.filter((e) => e.event === 'extract.documentation')
    expect(documented).toHaveLength(1)
    expect(documented[0]).toMatchObject({
      source: `${ZIP}/${DEFINITIONS_MEMBER}`,
      sheet: 'Definitions',
      message: `documentation, not loaded: 5 field definitions, describing 4 column(s) of "${canonical().sources[0]!.key}"; 1 name no column here`,
    })
  })

  it('`datawarp inspect` shows the workbook as documentation and what it describes', async () => {
    const result = await runCli(['inspect', join(root, 'served', ZIP)], { cwd: root })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`${DEFINITIONS_MEMBER} (xlsx): 0 table(s), 1 documentation table(s)`)
    expect(result.stdout).toContain('documentation, not loaded: 5 field definitions')
    expect(result.stdout).toContain(
      `describes 4 column(s) of ${ZIP}/${CSV_MEMBER}: pcn_code, pcn_name, staff_group, fte`,
    )
  })
})

describe('documentation that improves a reviewed manifest (contract hold)', () => {
  let project: string
  let after: CanonicalManifest
  let reviewSummary: RunSummary

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'datawarp-documentation-hold-'))
    chmodSync(project, 0o755)
    mkdirSync(join(project, 'config'))
    const dir = join(project, 'manifests', 'canonical', CODE)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(project, 'config', 'publications.yaml'),
      `publications:
  ${CODE}:
    name: Primary Care Network Workforce
    contract: hold
    urls:
      - { period: 2024-03, url: "${server.fileUrl(ZIP)}" }
`,
    )
    // Reviewed before the release shipped its definitions: derived text, a person's text, and none.
    writeFileSync(
      join(dir, `${CODE}_canonical.yaml`),
      `publication: ${CODE}
name: Primary Care Network Workforce
sources:
  - key: individual_level
    table: staff_records
    title: PCN workforce, individual level
    match: { file: "*Primary Care Networks - * Individual Level.csv", zip: "primary-care-networks-*.zip" }
    schema:
      fields:
        - { name: pcn_code, title: PCN_CODE, type: string, description: PCN code, descriptionSource: derived }
        - { name: pcn_name, title: PCN_NAME, type: string, description: Name of the network as NHS England lists it. }
        - { name: staff_group, title: STAFF_GROUP, type: string }
        - { name: fte, title: FTE, type: number, description: Full-time equivalent (reviewed)., descriptionSource: reviewer }
`,
    )
    const result = await runCli(['run', '--json'], { cwd: project, env: { DATABASE_URL: db.url } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    reviewSummary = JSON.parse(result.stdout) as RunSummary
    after = canonical(project)
  })

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true })
  })

  it('loads the period (descriptions are not drift) and proposes the text in the manifest for review', () => {
    const [publication] = reviewSummary.publications
    expect(publication!.periods[0]).toMatchObject({ status: 'loaded', rows: 3 })
    expect(publication!.periods[0]!.drift).toBeUndefined()
    // The canonical file in the working tree changed: the Action's review pull request carries it.
    expect(publication!.manifestWritten).toBeDefined()
  })

  it("replaces derived text and fills missing text with the publisher's; a person's text stays", () => {
    expect(after.sources[0]!.schema.fields.map((f) => [f.name, f.description, f.descriptionSource])).toEqual([
      ['pcn_code', 'Primary Care Network code.', 'publisher'],
      ['pcn_name', 'Name of the network as NHS England lists it.', undefined],
      [
        'staff_group',
        'The staff group of the role. Direct Patient Care, Admin/Non-Clinical or Nurses.',
        'publisher',
      ],
      ['fte', 'Full-time equivalent (reviewed).', 'reviewer'],
    ])
  })
})
