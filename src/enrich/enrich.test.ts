import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, openLedgerDatabase } from '../../test/support/database.js'
import { echoAnswer, FakeOpenAI, OPENAI_SHAPES } from '../../test/support/fake-openai.js'
import { ensureLedger } from '../db/index.js'
import { LEDGER_SCHEMA_VERSION } from '../db/ledger-schema.js'
import { definitionIndex, physicalName, reconcile, renderCanonicalManifest } from '../manifest/index.js'
import { type LlmSettings, LlmSettingsSchema, SettingsSchema } from '../model/config.js'
import type {
  CanonicalManifest,
  DraftField,
  DraftManifest,
  DraftSource,
  FieldType,
} from '../model/manifest.js'
import { type EnrichInput, enrichManifest, withTextOf } from './enrich.js'

const PUBLICATION = { code: 'appointments', name: 'Appointments in General Practice' }
const KEY_ENV = 'DW_TEST_ENRICH_API_KEY'
const API_KEY = 'sk-test-DataWarpEnrichmentKey-0123456789abcdef'
const SAMPLE = 'SAMPLE-VALUE-7Q'

const NAMED: [string, FieldType][] = [
  ['Org Code', 'string'],
  ['Org Name', 'string'],
  ['Year', 'integer'],
  ['Month', 'integer'],
  ['Report date', 'date'],
  ['Registered patients [1]', 'integer'],
  ['Rate per 1,000 [note 2]', 'number'],
  ['% of appointments', 'number'],
  ['Total cost (£)', 'number'],
  ['GP FTE', 'number'],
  ['Headcount', 'integer'],
  ['Number of payments', 'integer'],
  ['Median wait (days)', 'number'],
]

function field(title: string, type: FieldType, i: number): DraftField {
  return {
    name: physicalName(title, i + 1),
    title,
    type,
    samples: [`${SAMPLE}-${i}`, 'second'],
    nulls: 0,
    suppressed: 0,
  }
}

/** A 120-column sheet: named columns, then a column per (area, month) like NHS England's wide tables. */
function wideSource(columns = 120): DraftSource {
  const titles: [string, FieldType][] = [...NAMED]
  for (let i = 0; titles.length < columns; i++)
    titles.push([
      `Area ${Math.floor(i / 12) + 1} > Appointments ${2024 + Math.floor(i / 12)}-${(i % 12) + 1} [3]`,
      'integer',
    ])
  return draftSource('Table 1', titles.slice(0, columns))
}

function draftSource(sheet: string, titles: [string, FieldType][]): DraftSource {
  return {
    key: sheet.toLowerCase().replace(/\s+/g, '_'),
    file: 'Appointments - Nov 2025.xlsx',
    sheet,
    match: { file: 'Appointments - *.xlsx', sheet },
    headerRows: [3],
    rows: 10,
    excludedRows: [],
    fields: titles.map(([t, type], i) => field(t, type, i)),
  }
}

const draftOf = (period: string, ...sources: DraftSource[]): DraftManifest => ({
  publication: PUBLICATION.code,
  period,
  sources,
  skipped: [],
})

const NOTES = [
  'Contents',
  'Table 1: Appointments by area and month',
  'Notes',
  'Note 1: Patients registered at the end of the month.',
  'Note 3: Counts of booked appointments.',
]

/** Everything but the text the enricher may write. */
function technical(manifest: CanonicalManifest): unknown {
  return {
    ...manifest,
    sources: manifest.sources.map(({ title: _t, description: _d, descriptionSource: _ds, ...s }) => ({
      ...s,
      schema: {
        ...s.schema,
        fields: s.schema.fields.map(
          ({ description: _fd, descriptionSource: _fs, unit: _u, role: _r, ...f }) => f,
        ),
      },
    })),
  }
}

let work: string
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'datawarp-enrich-'))
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

function firstPeriod(...sources: DraftSource[]) {
  const draft = draftOf('2025-11', ...sources)
  const r = reconcile(PUBLICATION, undefined, draft)
  return { draft, manifest: r.manifest, drift: r.drift }
}

// The key is passed as a value, looked up as the adapters do: by the name settings.llm.api_key_env gives.
const input = (over: Partial<EnrichInput> & Pick<EnrichInput, 'manifest' | 'drift'>): EnrichInput => {
  const apiKey = over.settings ? process.env[over.settings.api_key_env] : undefined
  return {
    context: { publication: PUBLICATION, period: '2025-11', notes: NOTES },
    workDir: join(work, 'period'),
    ...(apiKey ? { apiKey } : {}),
    ...over,
  }
}

describe('offline enrichment', () => {
  it('gives every column of a 120-column sheet a role, and a description where the release says more than the header, deterministically', async () => {
    const { manifest, drift } = firstPeriod(wideSource())
    expect(manifest.sources[0]!.schema.fields).toHaveLength(120)
    const a = await enrichManifest(input({ manifest, drift }))
    const b = await enrichManifest(input({ manifest, drift }))
    expect(a.method).toBe('offline')
    expect(a.usage).toBeUndefined()
    expect(a.warnings).toEqual([])
    expect(renderCanonicalManifest(a.manifest)).toBe(renderCanonicalManifest(b.manifest))
    expect(technical(a.manifest)).toEqual(technical(manifest))
    expect(existsSync(join(work, 'period', 'llm_response.json'))).toBe(false)

    const source = a.manifest.sources[0]!
    expect(source.title).toBe('Appointments by area and month')
    expect(source.description).toContain('the sheet "Table 1" of the workbook "Appointments"')
    expect(source.descriptionSource).toBe('publisher')
    const fields = source.schema.fields
    expect(fields.every((f) => f.role)).toBe(true)
    const byTitle = (t: string) => fields.find((f) => f.title === t)!
    // The header again is no description: none is written.
    expect(byTitle('Org Code')).toMatchObject({ role: 'dimension' })
    expect(byTitle('Org Code').description).toBeUndefined()
    expect(byTitle('Org Code').descriptionSource).toBeUndefined()
    expect(byTitle('Org Code').unit).toBeUndefined()
    expect(byTitle('Year')).toMatchObject({ role: 'dimension' })
    expect(byTitle('Month')).toMatchObject({ role: 'dimension' })
    expect(byTitle('Report date')).toMatchObject({ role: 'dimension' })
    expect(byTitle('Registered patients [1]')).toMatchObject({
      description: 'Registered patients (see note 1: Patients registered at the end of the month.)',
      descriptionSource: 'publisher',
      role: 'measure',
    })
    // Note 2 is not in the notes: "see note 2" alone would say nothing more than the header.
    expect(byTitle('Rate per 1,000 [note 2]')).toMatchObject({ unit: 'per 1,000', role: 'measure' })
    expect(byTitle('Rate per 1,000 [note 2]').description).toBeUndefined()
    expect(byTitle('% of appointments').unit).toBe('percent')
    expect(byTitle('Total cost (£)').unit).toBe('GBP')
    expect(byTitle('GP FTE').unit).toBe('FTE')
    expect(byTitle('Headcount').unit).toBe('count')
    expect(byTitle('Number of payments').unit).toBe('count')
    expect(byTitle('Median wait (days)').unit).toBe('days')
    expect(fields[119]).toMatchObject({
      title: 'Area 9 > Appointments 2032-11 [3]',
      description: 'Area 9, appointments 2032-11 (see note 3: Counts of booked appointments.)',
      descriptionSource: 'publisher',
      role: 'measure',
    })
  })

  it('enriches only new columns of an existing source and never replaces existing text', async () => {
    const first = firstPeriod(draftSource('Table 2', NAMED.slice(0, 4)))
    const reviewed: CanonicalManifest = {
      ...first.manifest,
      sources: first.manifest.sources.map((s) => ({
        ...s,
        schema: {
          ...s.schema,
          fields: s.schema.fields.map((f, i) =>
            i === 0 ? { ...f, description: 'Reviewed text', unit: 'code' } : f,
          ),
        },
      })),
    }
    const next = reconcile(
      PUBLICATION,
      reviewed,
      draftOf('2025-12', draftSource('Table 2', [...NAMED.slice(0, 4), ['Uptake rate [1]', 'number']])),
    )
    expect(next.drift.sources[0]!.added.map((a) => a.title)).toEqual(['Uptake rate [1]'])
    const result = await enrichManifest(input({ manifest: next.manifest, drift: next.drift }))
    const fields = result.manifest.sources[0]!.schema.fields
    expect(fields[0]).toMatchObject({ description: 'Reviewed text', unit: 'code' })
    expect(fields[0]!.role).toBeUndefined()
    expect(fields.slice(1, 4).every((f) => f.description === undefined && f.role === undefined)).toBe(true)
    expect(fields[4]).toMatchObject({ description: expect.stringContaining('see note 1'), unit: 'percent' })
    // The source is not new: its title stays as it was (none).
    expect(result.manifest.sources[0]!.title).toBeUndefined()
    expect(technical(result.manifest)).toEqual(technical(next.manifest))
  })

  it('withTextOf copies the text to a manifest reconciled against another base, where it has none', async () => {
    const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
    const enriched = await enrichManifest(input({ manifest, drift }))
    expect(withTextOf(manifest, enriched.manifest)).toEqual(enriched.manifest)
    const reviewed: CanonicalManifest = {
      ...manifest,
      sources: manifest.sources.map((s) => ({
        ...s,
        title: 'Kept',
        schema: { ...s.schema, fields: s.schema.fields.map((f) => ({ ...f, role: 'measure' as const })) },
      })),
    }
    const carried = withTextOf(reviewed, enriched.manifest)
    expect(carried.sources[0]!.title).toBe('Kept')
    expect(carried.sources[0]!.description).toBe(enriched.manifest.sources[0]!.description)
    expect(carried.sources[0]!.schema.fields.every((f) => f.role === 'measure')).toBe(true)
    expect(carried.sources[0]!.schema.fields.map((f) => f.description)).toEqual(
      enriched.manifest.sources[0]!.schema.fields.map((f) => f.description),
    )
    expect(carried.sources[0]!.schema.fields[5]!.description).toContain('Patients registered')
    expect(technical(carried)).toEqual(technical(reviewed))
  })

  it('describes each source from its own file first: two workbooks of a ZIP, each with its Table 1', async () => {
    const a = { ...draftSource('Table 1', [['Region', 'string']]), key: 'a_table_1', file: 'A.xlsx' }
    const b = { ...draftSource('Table 1', [['Note [1]', 'integer']]), key: 'b_table_1', file: 'B.xlsx' }
    const { manifest, drift } = firstPeriod(
      { ...a, match: { file: 'A.xlsx', sheet: 'Table 1' } },
      { ...b, match: { file: 'B.xlsx', sheet: 'Table 1' } },
    )
    const fileNotes = new Map([
      ['A.xlsx', ['Table 1: Staff by region']],
      ['B.xlsx', ['Table 1: Vacancies by trust', 'Note 1: Vacancies open at month end.']],
    ])
    const context = {
      publication: PUBLICATION,
      period: '2025-11',
      notes: [...fileNotes.values()].flat(),
      fileNotes,
    }
    const { manifest: enriched } = await enrichManifest(input({ manifest, drift, context }))
    expect(enriched.sources.map((s) => s.title)).toEqual(['Staff by region', 'Vacancies by trust'])
    expect(enriched.sources[1]!.schema.fields[0]!.description).toContain('Vacancies open at month end.')
  })

  it("gives columns the release's documentation defines the publisher's text; may replace derived text, never a person's", async () => {
    const first = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
    const text = (description: string, descriptionSource?: 'derived' | 'reviewer' | 'llm') => ({
      description,
      ...(descriptionSource ? { descriptionSource } : {}),
    })
    const existing: CanonicalManifest = {
      ...first.manifest,
      sources: first.manifest.sources.map((s) => ({
        ...s,
        schema: {
          ...s.schema,
          fields: s.schema.fields.map(
            (f, i) =>
              [
                { ...f, ...text('Organisation code, derived', 'derived') },
                { ...f, ...text('Written by a reviewer') },
                { ...f, ...text('Kept by the reviewer', 'reviewer') },
                { ...f, ...text('Month') },
                { ...f, ...text('What the LLM wrote', 'llm') },
                f,
              ][i]!,
          ),
        },
      })),
    }
    const same = reconcile(
      PUBLICATION,
      existing,
      draftOf('2025-12', draftSource('Table 2', NAMED.slice(0, 6))),
    )
    expect(same.drift.sources).toEqual([])
    const defined = (field: string) => ({ field, text: `Publisher: what ${field} holds.` })
    const definitions = definitionIndex([
      {
        file: 'Definitions.xlsx',
        columns: { field: 'Field name', text: ['Definition'] },
        definitions: ['ORG_CODE', 'org name', 'Year', 'MONTH', 'Report Date', 'Registered patients'].map(
          defined,
        ),
      },
    ])
    const context = { publication: PUBLICATION, period: '2025-12', definitions }
    const result = await enrichManifest(input({ manifest: same.manifest, drift: same.drift, context }))
    const fields = result.manifest.sources[0]!.schema.fields
    expect(fields.map((f) => [f.description, f.descriptionSource])).toEqual([
      ['Publisher: what ORG_CODE holds.', 'publisher'],
      ['Written by a reviewer', undefined],
      ['Kept by the reviewer', 'reviewer'],
      // Text that only said the header again counted as none.
      ['Publisher: what MONTH holds.', 'publisher'],
      ['What the LLM wrote', 'llm'],
      ['Publisher: what Registered patients holds.', 'publisher'],
    ])
    expect(technical(result.manifest)).toEqual(technical(same.manifest))
    // The canonical file says where each text came from.
    expect(renderCanonicalManifest(result.manifest)).toContain('descriptionSource: publisher')
    // The same documentation again changes nothing more.
    const again = await enrichManifest(input({ manifest: result.manifest, drift: same.drift, context }))
    expect(again.manifest).toBe(result.manifest)

    // A manifest reconciled against another base takes the publisher's text where it may.
    const carried = withTextOf(existing, result.manifest)
    expect(carried.sources[0]!.schema.fields.map((f) => f.description)).toEqual(
      fields.map((f) => f.description),
    )
  })

  it('describes the columns of a new source from the documentation first, with the LLM or without', async () => {
    const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 3)))
    const definitions = definitionIndex([
      {
        file: 'Definitions.xlsx',
        columns: { field: 'Field name', text: ['Definition'] },
        definitions: [
          { field: 'Org Code', text: 'ODS code of the organisation.' },
          { field: 'Year', text: 'year' },
        ],
      },
    ])
    const context = { publication: PUBLICATION, period: '2025-11', notes: NOTES, definitions }
    const result = await enrichManifest(input({ manifest, drift, context }))
    const fields = result.manifest.sources[0]!.schema.fields
    expect(fields[0]).toMatchObject({
      description: 'ODS code of the organisation.',
      descriptionSource: 'publisher',
      role: 'dimension',
    })
    // "year" for Year only says the header again: no description.
    expect(fields[2]!.description).toBeUndefined()
  })

  it('takes a definition from the notes sheets: a "FIELD: text" line, or a heading over its paragraph', async () => {
    const { manifest, drift } = firstPeriod(
      draftSource('Table 2', [
        ['Submissions [7]', 'integer'],
        ['PRAC_CODE', 'string'],
        ['Org Name', 'string'],
      ]),
    )
    const paragraph =
      'From March 2024 the latest submission from each supplier for each period is counted, not the most complete.'
    const notes = [
      'Data Quality',
      'Submissions',
      paragraph,
      'PRAC_CODE: ODS code of the general practice',
      'Org Name',
    ]
    const context = { publication: PUBLICATION, period: '2025-11', notes }
    const fields = (await enrichManifest(input({ manifest, drift, context }))).manifest.sources[0]!.schema
      .fields
    expect(fields.map((f) => [f.description, f.descriptionSource])).toEqual([
      [paragraph, 'publisher'],
      ['ODS code of the general practice', 'publisher'],
      [undefined, undefined],
    ])
  })

  it('returns the manifest as it is when nothing is new', async () => {
    const first = firstPeriod(draftSource('Table 2', NAMED.slice(0, 4)))
    const same = reconcile(
      PUBLICATION,
      first.manifest,
      draftOf('2025-12', draftSource('Table 2', NAMED.slice(0, 4))),
    )
    expect(same.drift.sources).toEqual([])
    const result = await enrichManifest(input({ manifest: same.manifest, drift: same.drift }))
    expect(result.manifest).toBe(same.manifest)
    expect(result.method).toBe('offline')
  })
})

describe('LLM enrichment', () => {
  let server: FakeOpenAI
  beforeAll(() => {
    process.env[KEY_ENV] = API_KEY
  })
  afterAll(() => {
    delete process.env[KEY_ENV]
  })
  beforeEach(async () => {
    server = await new FakeOpenAI(API_KEY).start()
  })
  afterEach(async () => {
    await server.stop()
  })

  const settings = (over: Partial<LlmSettings> = {}): LlmSettings =>
    LlmSettingsSchema.parse({
      base_url: server.baseUrl,
      model: 'gpt-4o-mini',
      api_key_env: KEY_ENV,
      input_cost_per_million: 0.15,
      output_cost_per_million: 0.6,
      ...over,
    })
  const readLog = () => JSON.parse(readFileSync(join(work, 'period', 'llm_response.json'), 'utf8'))

  it('sends a 120-column sheet in batches of batch_columns, as column names and types only', async () => {
    const { manifest, drift, draft } = firstPeriod(wideSource(), draftSource('Table 2', NAMED.slice(0, 6)))
    const result = await enrichManifest(input({ manifest, drift, draft, settings: settings() }))

    expect(result.warnings).toEqual([])
    expect(result.method).toBe('llm')
    // Table 1: 120 columns in 2 batches of 60; Table 2: 6 columns in 1.
    expect(server.requests).toHaveLength(3)
    expect(server.requests.map((r) => r.payload.columns.length)).toEqual([60, 60, 6])
    expect(server.requests.map((r) => r.payload.describe_source)).toEqual([true, false, true])
    for (const r of server.requests) {
      expect(r.path).toBe('/v1/chat/completions')
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(r.body.model).toBe('gpt-4o-mini')
      expect(r.body.temperature).toBe(0)
      expect(r.body.response_format.type).toBe('json_schema')
      expect(r.body.response_format.json_schema.strict).toBe(true)
      expect(r.payload.notes).toEqual(NOTES)
    }
    // The wide sheet: header text and type only, no data values.
    for (const r of server.requests.slice(0, 2)) {
      expect(r.text).not.toContain(SAMPLE)
      for (const c of r.payload.columns) expect(Object.keys(c).sort()).toEqual(['column', 'header', 'type'])
    }
    // The narrow sheet: at most two short samples per column.
    expect(server.requests[2]!.payload.columns[0]).toEqual({
      column: 'org_code',
      header: 'Org Code',
      type: 'string',
      samples: [`${SAMPLE}-0`, 'second'],
    })

    const [t1, t2] = result.manifest.sources
    expect(t1!.title).toBe('LLM title of table_1')
    expect(t1!.schema.fields.every((f) => f.description === `LLM: ${f.title}`)).toBe(true)
    expect(t2!.description).toBe('LLM description of table_2.')
    expect(t1!.schema.fields.find((f) => f.title === 'Org Code')).toMatchObject({ role: 'dimension' })
    expect(t1!.schema.fields.find((f) => f.title === 'Org Code')!.unit).toBeUndefined()
    expect(technical(result.manifest)).toEqual(technical(manifest))

    const prompt = server.requests.reduce((n, r) => n + Math.ceil(r.text.length / 4), 0)
    expect(result.usage).toMatchObject({ model: 'gpt-4o-mini', requests: 3, cached: 0, promptTokens: prompt })
    expect(result.usage!.completionTokens).toBeGreaterThan(0)
    expect(result.usage!.costUsd).toBeCloseTo(
      (prompt * 0.15 + result.usage!.completionTokens * 0.6) / 1_000_000,
      6,
    )

    const log = readLog()
    expect(log.exchanges).toHaveLength(3)
    expect(log.exchanges[0].request.body.model).toBe('gpt-4o-mini')
    expect(log.exchanges[0].response.object).toBe('chat.completion')
    expect(log.exchanges[0].outcome).toBe('ok')
    expect(log.usage.requests).toBe(3)
  })

  it('never changes technical fields, even when the answer tries to', async () => {
    const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
    server.responder = (r) => {
      const answer = echoAnswer(r) as { source: Record<string, unknown>; columns: Record<string, unknown>[] }
      return {
        answer: {
          source: { ...answer.source, key: 'hacked', table: 'drop_me', match: { file: '*' } },
          columns: [
            ...answer.columns.map((c) => ({
              ...c,
              name: 'renamed',
              type: 'boolean',
              title: 'New title',
              since: '1999',
            })),
            { column: 'not_asked', description: 'Stray', unit: null, role: 'measure' },
          ],
          publication: 'other',
        },
      }
    }
    const result = await enrichManifest(input({ manifest, drift, settings: settings() }))
    expect(technical(result.manifest)).toEqual(technical(manifest))
    expect(result.manifest.sources[0]!.title).toBe('LLM title of table_2')
    expect(result.manifest.sources[0]!.schema.fields.map((f) => f.description)).toEqual(
      NAMED.slice(0, 6).map(([t]) => `LLM: ${t}`),
    )
    expect(result.warnings).toEqual([expect.stringContaining('columns not asked about ignored: "not_asked"')])
    // A text column is a dimension whatever the LLM says.
    server.responder = (r) => {
      const answer = echoAnswer(r) as { source: unknown; columns: Record<string, unknown>[] }
      return {
        answer: { ...answer, columns: answer.columns.map((c) => ({ ...c, role: 'measure', unit: '%' })) },
      }
    }
    const again = await enrichManifest(input({ manifest, drift, settings: settings() }))
    const fields = again.manifest.sources[0]!.schema.fields
    expect(fields.find((f) => f.name === 'org_name')).toMatchObject({ role: 'dimension' })
    expect(fields.find((f) => f.name === 'org_name')!.unit).toBeUndefined()
    expect(fields.find((f) => f.name === 'registered_patients')).toMatchObject({
      role: 'measure',
      unit: 'percent',
    })
  })

  describe('falls back to the offline text, never throwing', () => {
    const cases: [string, (f: FakeOpenAI) => void, RegExp][] = [
      ['a refusal', (f) => (f.responder = () => ({ shape: 'refusal' })), /the model refused: I'm sorry/],
      [
        'HTTP 429',
        (f) => (f.responder = () => ({ shape: 'rateLimited' })),
        /HTTP 429 rate_limit_exceeded: Rate limit reached/,
      ],
      [
        'HTTP 500',
        (f) => (f.responder = () => ({ shape: 'serverError' })),
        /HTTP 500 server_error: The server had an error/,
      ],
      [
        'an answer that is not JSON',
        (f) => (f.responder = () => ({ answer: '{"source": null, "columns": [' })),
        /not JSON/,
      ],
      [
        'JSON outside the schema',
        (f) =>
          (f.responder = () => ({
            answer: { source: null, columns: [{ column: 'org_code', role: 'metric' }] },
          })),
        /does not follow the schema: columns\.0\.description/,
      ],
      ['a timeout', (f) => (f.responder = () => ({ hang: true })), /no answer within 0\.3 s/],
    ]

    it.each(cases)('%s', async (_name, arrange, warning) => {
      arrange(server)
      const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
      const offline = await enrichManifest(input({ manifest, drift }))
      const result = await enrichManifest(
        input({ manifest, drift, settings: settings({ timeout_seconds: 0.3 }) }),
      )
      expect(result.method).toBe('offline')
      expect(result.manifest).toEqual(offline.manifest)
      expect(result.warnings).toEqual([expect.stringMatching(warning)])
      expect(result.warnings[0]).toContain('offline text used')
      expect(result.usage).toMatchObject({ requests: 1, cached: 0 })
      expect(readLog().exchanges[0].outcome).toMatch(warning)
    })

    it('a network error', async () => {
      const closed = createServer()
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
      const port = (closed.address() as { port: number }).port
      await new Promise<void>((resolve) => closed.close(() => resolve()))
      const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
      const result = await enrichManifest(
        input({ manifest, drift, settings: settings({ base_url: `http://127.0.0.1:${port}/v1` }) }),
      )
      expect(result.method).toBe('offline')
      expect(result.warnings).toEqual([
        expect.stringMatching(/fetch failed.*ECONNREFUSED.*offline text used/),
      ])
    })

    it('stops asking after an endpoint failure; keeps asking after a bad answer', async () => {
      const { manifest, drift } = firstPeriod(wideSource())
      server.responder = () => ({ shape: 'rateLimited' })
      const limited = await enrichManifest(input({ manifest, drift, settings: settings() }))
      expect(server.requests).toHaveLength(1)
      expect(limited.method).toBe('offline')
      expect(limited.warnings[1]).toMatch(/not asked for 1 more batch/)

      // First batch refused, second answered: the LLM's text where it answered, the offline text elsewhere.
      server.responder = (r, n) => (n === 2 ? { shape: 'refusal' } : { answer: echoAnswer(r) })
      const mixed = await enrichManifest(input({ manifest, drift, settings: settings() }))
      expect(server.requests).toHaveLength(3)
      expect(mixed.method).toBe('llm+offline')
      const fields = mixed.manifest.sources[0]!.schema.fields
      expect(fields.slice(0, 60).some((f) => f.description?.startsWith('LLM: '))).toBe(false)
      expect(fields[0]).toMatchObject({ role: 'dimension' })
      expect(fields[0]!.description).toBeUndefined()
      expect(fields.slice(60).every((f) => f.descriptionSource === 'llm')).toBe(true)
      expect(fields.slice(60).every((f) => f.description?.startsWith('LLM: '))).toBe(true)
      expect(mixed.manifest.sources[0]!.title).toBe('Appointments by area and month')
      // Refused requests still cost tokens.
      const refused = OPENAI_SHAPES.refusal.body.usage as { prompt_tokens: number }
      expect(mixed.usage!.promptTokens).toBe(
        refused.prompt_tokens + Math.ceil(server.requests[2]!.text.length / 4),
      )
    })

    it('a missing API key variable', async () => {
      const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 6)))
      const result = await enrichManifest(
        input({ manifest, drift, settings: settings({ api_key_env: 'DW_TEST_NO_SUCH_KEY' }) }),
      )
      expect(server.requests).toHaveLength(0)
      expect(result.method).toBe('offline')
      expect(result.warnings).toEqual([
        'LLM not used: the environment variable DW_TEST_NO_SUCH_KEY is not set; offline text used',
      ])
    })
  })

  it("keeps the release's definitions over the LLM's text; the LLM describes the rest", async () => {
    const { manifest, drift } = firstPeriod(draftSource('Table 2', NAMED.slice(0, 3)))
    const definitions = definitionIndex([
      {
        file: 'Definitions.xlsx',
        columns: { field: 'Field name', text: ['Definition'] },
        definitions: [{ field: 'ORG_CODE', text: 'ODS code of the organisation.' }],
      },
    ])
    const context = { publication: PUBLICATION, period: '2025-11', notes: NOTES, definitions }
    const result = await enrichManifest(input({ manifest, drift, context, settings: settings() }))
    const fields = result.manifest.sources[0]!.schema.fields
    expect(fields.map((f) => [f.description, f.descriptionSource])).toEqual([
      ['ODS code of the organisation.', 'publisher'],
      ['LLM: Org Name', 'llm'],
      ['LLM: Year', 'llm'],
    ])
  })

  it('never writes the API key to llm_response.json, even when the server echoes it', async () => {
    server.responder = () => ({ shape: 'unauthorized', message: `Incorrect API key provided: ${API_KEY}.` })
    const { manifest, drift } = firstPeriod(wideSource())
    const result = await enrichManifest(input({ manifest, drift, settings: settings() }))
    const text = readFileSync(join(work, 'period', 'llm_response.json'), 'utf8')
    expect(text).not.toContain(API_KEY)
    expect(text).toContain('[redacted]')
    expect(text).toContain(`Bearer $${KEY_ENV}`)
    expect(JSON.stringify(result)).not.toContain(API_KEY)

    server.responder = (r) => ({ answer: echoAnswer(r) })
    await enrichManifest(input({ manifest, drift, settings: settings() }))
    expect(readFileSync(join(work, 'period', 'llm_response.json'), 'utf8')).not.toContain(API_KEY)
  })

  describe('with the database cache', () => {
    let db: Awaited<ReturnType<typeof openLedgerDatabase>>
    let pool: pg.Pool
    beforeAll(async () => {
      db = await openLedgerDatabase()
      pool = db.pool
    })
    afterAll(() => db.close())

    it('answers a rerun from the cache: no second call, the same text', async () => {
      const { manifest, drift } = firstPeriod(wideSource())
      const first = await enrichManifest(input({ manifest, drift, settings: settings(), pool }))
      expect(first.usage).toMatchObject({ requests: 2, cached: 0 })
      // Another model answer would differ; the cache keeps the first.
      server.responder = (r) => ({ answer: { ...(echoAnswer(r) as object), source: null, columns: [] } })
      const second = await enrichManifest(input({ manifest, drift, settings: settings(), pool }))
      expect(server.requests).toHaveLength(2)
      expect(second.usage).toMatchObject({
        requests: 0,
        cached: 2,
        promptTokens: 0,
        completionTokens: 0,
        costUsd: 0,
      })
      expect(second.method).toBe('llm')
      expect(renderCanonicalManifest(second.manifest)).toBe(renderCanonicalManifest(first.manifest))
      expect(readLog().exchanges.map((e: { outcome: string }) => e.outcome)).toEqual(['cached', 'cached'])
      const { rows } = await pool.query('SELECT model, response FROM datawarp.llm_cache')
      expect(rows).toHaveLength(2)
      expect(rows[0].model).toBe('gpt-4o-mini')
      expect(rows[0].response.object).toBe('chat.completion')
    })

    it('does not cache failed answers', async () => {
      server.responder = () => ({ shape: 'refusal' })
      const { manifest, drift } = firstPeriod(draftSource('Table 9', NAMED.slice(0, 3)))
      await enrichManifest(input({ manifest, drift, settings: settings(), pool }))
      server.responder = (r) => ({ answer: echoAnswer(r) })
      const retried = await enrichManifest(input({ manifest, drift, settings: settings(), pool }))
      expect(server.requests).toHaveLength(2)
      expect(retried.method).toBe('llm')
    })

    it('adds llm_tokens and llm_cost_usd to datawarp.loads', async () => {
      const { rows } = await pool.query(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'datawarp' AND table_name = 'loads' AND column_name LIKE 'llm%' ORDER BY 1`,
      )
      expect(rows).toEqual([
        { column_name: 'llm_cost_usd', data_type: 'numeric' },
        { column_name: 'llm_tokens', data_type: 'integer' },
      ])
    })
  })
})

describe('ledger migration 3', () => {
  it('brings a version-2 ledger the llm columns of datawarp.loads and datawarp.llm_cache', async () => {
    const db = await createTestDatabase()
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      await ensureLedger(client)
      await client.query(`DROP TABLE datawarp.llm_cache;
        ALTER TABLE datawarp.loads DROP COLUMN llm_tokens, DROP COLUMN llm_cost_usd;
        DELETE FROM datawarp.schema_version; INSERT INTO datawarp.schema_version VALUES (2);`)
      await ensureLedger(client)
      const { rows } = await client.query(`SELECT
          to_regclass('datawarp.llm_cache') IS NOT NULL AS cache,
          (SELECT count(*)::int FROM information_schema.columns
            WHERE table_schema = 'datawarp' AND table_name = 'loads' AND column_name LIKE 'llm%') AS columns,
          (SELECT max(version) FROM datawarp.schema_version) AS version`)
      expect(rows[0]).toEqual({ cache: true, columns: 2, version: LEDGER_SCHEMA_VERSION })
    } finally {
      await client.end()
      await db.drop()
    }
  })
})

describe('settings.llm', () => {
  it('is optional, with defaults for the key variable, batch size and timeout', () => {
    expect(SettingsSchema.parse({}).llm).toBeUndefined()
    expect(
      SettingsSchema.parse({ llm: { base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini' } }).llm,
    ).toEqual({
      base_url: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      api_key_env: 'OPENAI_API_KEY',
      batch_columns: 60,
      timeout_seconds: 120,
    })
    expect(() => SettingsSchema.parse({ llm: { base_url: 'ftp://x', model: 'm' } })).toThrow()
    expect(() =>
      SettingsSchema.parse({ llm: { base_url: 'https://x', model: 'm', api_key: 'sk-…' } }),
    ).toThrow()
  })
})
