import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  CanonicalManifest,
  DraftField,
  DraftManifest,
  DraftSource,
  Field,
  FieldType,
} from '../model/manifest.js'
import { readCanonicalManifest, renderCanonicalManifest, writeCanonicalManifest } from './canonical.js'
import { headerKey, periodFreeHeaderKey, RENAME_SIMILARITY, reconcile, similarity } from './reconcile.js'
import { MISSING_MARKERS } from './values.js'

const publication = { code: 'online_consultation', name: 'Online Consultation' }

function field(name: string, title: string, type: FieldType, nulls = 0, samples: string[] = []): DraftField {
  return { name, title, type, samples, nulls, suppressed: 0 }
}

function source(key: string, file: string, glob: string, fields: DraftField[], rows = 10): DraftSource {
  return { key, file, match: { file: glob }, headerRows: [1], rows, excludedRows: [], fields }
}

function draft(period: string, ...sources: DraftSource[]): DraftManifest {
  return { publication: publication.code, period, sources, skipped: [] }
}

const MONTHS: Record<string, string> = {
  '2024-03': 'March',
  '2024-04': 'April',
  '2024-05': 'May',
  '2024-06': 'June',
  '2024-07': 'July',
  '2024-08': 'August',
}

/** The May columns, with some replaced (by physical name) or left out, in one period's submissions file. */
function submissions(
  period: string,
  options: { replace?: Record<string, DraftField>; without?: string[]; extra?: DraftField[] } = {},
): DraftSource {
  const columns = [
    field('practice_code', 'Practice Code', 'string'),
    field('practice_type', 'PracticeType', 'string'),
    field('submissions', 'Submissions', 'integer'),
    field('rate', 'Rate', 'integer'),
    field('extract_date', 'Extract Date', 'date'),
  ]
    .filter((c) => !options.without?.includes(c.name))
    .map((c) => options.replace?.[c.name] ?? c)
  const month = MONTHS[period] ?? period
  return source('submissions', `Submissions - ${month} 2024.csv`, 'Submissions - * *.csv', [
    ...columns,
    ...(options.extra ?? []),
  ])
}

const may = draft('2024-05', submissions('2024-05'))
const ALL = ['practice_code', 'practice_type', 'submissions', 'rate', 'extract_date']

function first(): CanonicalManifest {
  return reconcile(publication, undefined, may).manifest
}

const fieldsOf = (manifest: CanonicalManifest, source = 0) => manifest.sources[source]!.schema.fields
const fieldOf = (manifest: CanonicalManifest, name: string, source = 0): Field =>
  fieldsOf(manifest, source).find((f) => f.name === name)!

describe('reconcile: the first period', () => {
  it('with no canonical manifest the draft becomes it, every source and field seen since the period', () => {
    const result = reconcile({ ...publication, description: 'About it' }, undefined, may)
    expect(result.changed).toBe(true)
    expect(result.driftClass).toBe('additive')
    expect(result.changes).toEqual([
      'first canonical manifest (1 sources)',
      'new source "submissions" (Submissions - May 2024.csv)',
    ])
    expect(result.manifest).toEqual({
      publication: 'online_consultation',
      name: 'Online Consultation',
      description: 'About it',
      sources: [
        {
          key: 'submissions',
          table: 'submissions',
          since: '2024-05',
          match: { file: 'Submissions - * *.csv' },
          schema: {
            fields: [
              { name: 'practice_code', title: 'Practice Code', type: 'string', since: '2024-05' },
              { name: 'practice_type', title: 'PracticeType', type: 'string', since: '2024-05' },
              { name: 'submissions', title: 'Submissions', type: 'integer', since: '2024-05' },
              { name: 'rate', title: 'Rate', type: 'integer', since: '2024-05' },
              { name: 'extract_date', title: 'Extract Date', type: 'date', since: '2024-05' },
            ],
            missingValues: [...MISSING_MARKERS],
          },
        },
      ],
    })
    expect(result.drift).toEqual({
      publication: 'online_consultation',
      period: '2024-05',
      firstManifest: true,
      sources: [
        {
          key: 'submissions',
          table: 'submissions',
          file: 'Submissions - May 2024.csv',
          isNew: true,
          // A new source's columns are all added ones, so a review sees them.
          added: result.manifest.sources[0]!.schema.fields.map((f) => ({
            name: f.name,
            title: f.title,
            type: f.type,
            samples: may.sources[0]!.fields.find((d) => d.title === f.title)!.samples,
          })),
          removed: [],
          renamed: [],
          retyped: [],
          restored: [],
          headerChanges: [],
        },
      ],
      removedSources: [],
      restoredSources: [],
    })
  })

  it('binds each draft column to the field of the same physical name', () => {
    const result = reconcile(publication, undefined, may)
    expect(result.bindings).toHaveLength(1)
    expect(result.bindings[0]!.draft).toBe(may.sources[0])
    expect(result.bindings[0]!.source).toBe(result.manifest.sources[0])
    expect(result.bindings[0]!.columns).toEqual(ALL)
  })

  it('a sheet is named in the change line and the drift of a new source', () => {
    const sheetSource: DraftSource = { ...may.sources[0]!, sheet: 'Table 1' }
    const result = reconcile(publication, undefined, draft('2024-05', sheetSource))
    expect(result.changes[1]).toBe('new source "submissions" (Submissions - May 2024.csv, sheet "Table 1")')
    expect(result.drift.sources[0]!.sheet).toBe('Table 1')
  })
})

describe('reconcile: a later period', () => {
  it('a second identical draft changes nothing and binds the same columns', () => {
    const canonical = first()
    const again = reconcile(publication, canonical, draft('2024-06', submissions('2024-06')))
    expect(again.changed).toBe(false)
    expect(again.driftClass).toBe('none')
    expect(again.changes).toEqual([])
    expect(again.drift).toEqual({
      publication: 'online_consultation',
      period: '2024-06',
      firstManifest: false,
      sources: [],
      removedSources: [],
      restoredSources: [],
    })
    expect(again.manifest).toEqual(canonical)
    expect(again.bindings[0]!.columns).toEqual(ALL)
  })

  it('the canonical name and description win over the config', () => {
    const canonical = { ...first(), name: 'Edited name', description: 'Edited' }
    const result = reconcile({ ...publication, description: 'From config' }, canonical, may)
    expect(result.manifest.name).toBe('Edited name')
    expect(result.manifest.description).toBe('Edited')
    expect(result.changed).toBe(false)
  })

  it('a header that only changes case, spacing or footnotes keeps its physical name: a header change', () => {
    let canonical = first()
    const texts = [
      ['2024-06', 'Practice Type', 'PracticeType'],
      ['2024-07', 'Practice type [3]', 'Practice Type'],
      ['2024-08', 'PRACTICE  TYPE¹', 'Practice type [3]'],
    ] as const
    for (const [period, title, was] of texts) {
      const next = draft(
        period,
        submissions(period, {
          // The draft's own physical name differs: the normalised header binds, not the name.
          replace: { practice_type: field(`practice_type_${period.slice(5)}`, title, 'string') },
        }),
      )
      const result = reconcile(publication, canonical, next)
      expect(result.changed, title).toBe(true)
      expect(result.driftClass, title).toBe('cosmetic')
      expect(result.drift.sources.map((s) => s.headerChanges)).toEqual([
        [{ name: 'practice_type', from: was, to: title, method: 'header' }],
      ])
      expect(result.changes).toEqual([
        `header of "practice_type" in "submissions" now "${title}" (was "${was}")`,
      ])
      expect(result.bindings[0]!.columns, title).toEqual(ALL)
      canonical = result.manifest
    }
    // The title is the header as last written; every text is kept with the period it was first seen in.
    expect(fieldOf(canonical, 'practice_type')).toEqual({
      name: 'practice_type',
      title: 'PRACTICE  TYPE¹',
      type: 'string',
      since: '2024-05',
      headers: [
        { text: 'PracticeType', since: '2024-05' },
        { text: 'Practice Type', since: '2024-06' },
        { text: 'Practice type [3]', since: '2024-07' },
        { text: 'PRACTICE  TYPE¹', since: '2024-08' },
      ],
    })
  })

  it('a column whose header changed beyond normalising binds by its physical name', () => {
    const ages = (period: string, title: string) =>
      draft(
        period,
        source('ages', 'Ages.csv', 'Ages.csv', [
          field('practice_code', 'Practice Code', 'string'),
          field('patients_aged_65_plus', title, 'integer'),
        ]),
      )
    const canonical = reconcile(publication, undefined, ages('2024-05', 'Patients aged 65+')).manifest
    // "65+" and "65 plus" normalise apart, and are only 0.87 alike: the physical name binds first.
    const result = reconcile(publication, canonical, ages('2024-06', 'Patients aged 65 plus'))
    expect(result.bindings[0]!.columns).toEqual(['practice_code', 'patients_aged_65_plus'])
    expect(result.driftClass).toBe('cosmetic')
    expect(result.drift.sources[0]!.headerChanges).toEqual([
      {
        name: 'patients_aged_65_plus',
        from: 'Patients aged 65+',
        to: 'Patients aged 65 plus',
        method: 'name',
      },
    ])
    expect(result.drift.sources[0]!.renamed).toEqual([])
  })

  it('columns are bound whatever their order in the file', () => {
    const columns = submissions('2024-06').fields
    const reordered = draft(
      '2024-06',
      source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        columns[3]!,
        columns[0]!,
        columns[4]!,
        columns[2]!,
        columns[1]!,
      ]),
    )
    const result = reconcile(publication, first(), reordered)
    expect(result.bindings[0]!.columns).toEqual([
      'rate',
      'practice_code',
      'extract_date',
      'submissions',
      'practice_type',
    ])
    expect(result.changed).toBe(false)
    expect(result.manifest).toEqual(first())
  })

  it('a new column is appended, seen since its period, with a name no other field has', () => {
    const withNew = draft(
      '2024-06',
      submissions('2024-06', {
        // Its draft name is taken by a canonical field the "Submissions" header binds.
        replace: { submissions: field('submissions', 'Submissions (online)', 'integer', 0, ['4', '7']) },
        extra: [field('submissions_2', 'Submissions', 'integer')],
      }),
    )
    const result = reconcile(publication, first(), withNew)
    expect(result.changed).toBe(true)
    expect(result.driftClass).toBe('additive')
    expect(result.changes).toEqual([
      'new column "submissions_2" in "submissions" (header "Submissions (online)", integer)',
    ])
    expect(result.drift.sources[0]!.added).toEqual([
      { name: 'submissions_2', title: 'Submissions (online)', type: 'integer', samples: ['4', '7'] },
    ])
    expect(result.bindings[0]!.columns).toEqual([
      'practice_code',
      'practice_type',
      'submissions_2',
      'rate',
      'extract_date',
      'submissions',
    ])
    expect(fieldsOf(result.manifest).map((f) => f.name)).toEqual([...ALL, 'submissions_2'])
    expect(fieldsOf(result.manifest)[5]).toEqual({
      name: 'submissions_2',
      title: 'Submissions (online)',
      type: 'integer',
      since: '2024-06',
    })
  })

  it('a column binds by header before another column can take its field by physical name', () => {
    // "Rate pct" and "Rate %" both snake to rate_pct; the draft de-duplicated them in file order.
    const rates = draft(
      '2024-05',
      source('rates', 'Rates.csv', 'Rates.csv', [field('rate_pct', 'Rate %', 'number')]),
    )
    const canonical = reconcile(publication, undefined, rates).manifest
    const next = draft(
      '2024-06',
      source('rates', 'Rates.csv', 'Rates.csv', [
        field('rate_pct', 'Rate pct', 'number'),
        field('rate_pct_2', 'Rate %', 'number'),
      ]),
    )
    const result = reconcile(publication, canonical, next)
    expect(result.bindings[0]!.columns).toEqual(['rate_pct_2', 'rate_pct'])
    expect(fieldsOf(result.manifest)).toEqual([
      { name: 'rate_pct', title: 'Rate %', type: 'number', since: '2024-05' },
      { name: 'rate_pct_2', title: 'Rate pct', type: 'number', since: '2024-06' },
    ])
    expect(result.changes).toEqual(['new column "rate_pct_2" in "rates" (header "Rate pct", number)'])
  })

  it('a new source is added with a key and table of its own', () => {
    const canonical = first()
    const clash = draft(
      '2024-06',
      submissions('2024-06'),
      source('submissions', 'Other Submissions - June 2024.csv', 'Other Submissions - * *.csv', [
        field('code', 'Code', 'string'),
      ]),
    )
    const result = reconcile(publication, canonical, clash)
    expect(result.changed).toBe(true)
    expect(result.driftClass).toBe('additive')
    expect(result.changes).toEqual(['new source "submissions_2" (Other Submissions - June 2024.csv)'])
    expect(result.manifest.sources.map((s) => [s.key, s.table, s.since])).toEqual([
      ['submissions', 'submissions', '2024-05'],
      ['submissions_2', 'submissions_2', '2024-06'],
    ])
    expect(result.bindings.map((b) => b.source.key)).toEqual(['submissions', 'submissions_2'])
    expect(result.manifest.sources[1]!.match).toEqual({ file: 'Other Submissions - * *.csv' })
  })

  it('a new source whose key is free but whose table is taken gets a table of its own', () => {
    const canonical = { ...first() }
    canonical.sources = [{ ...canonical.sources[0]!, key: 'renamed' }]
    const other = draft(
      '2024-06',
      submissions('2024-06'),
      source('submissions', 'Elsewhere.csv', 'Elsewhere.csv', [field('code', 'Code', 'string')]),
    )
    const result = reconcile(publication, canonical, other)
    expect(result.manifest.sources.map((s) => [s.key, s.table])).toEqual([
      ['renamed', 'submissions'],
      ['submissions', 'submissions_2'],
    ])
  })

  it('a source whose key changed is still found by its file glob and sheet', () => {
    const canonical = first()
    const withSheet: CanonicalManifest = {
      ...canonical,
      sources: [{ ...canonical.sources[0]!, match: { file: 'Submissions - * *.xlsx', sheet: 'Table 2' } }],
    }
    const sheet = (name: string) => ({
      ...submissions('2024-06'),
      key: 'something_else',
      file: 'Submissions - June 2024.xlsx',
      sheet: name,
      match: { file: 'Submissions - * *.xlsx', sheet: name },
    })
    const result = reconcile(publication, withSheet, draft('2024-06', sheet('Table 2')))
    expect(result.changed).toBe(false)
    expect(result.bindings[0]!.source.key).toBe('submissions')
    // Another sheet of the same workbook is another source; the canonical one is missing from the period.
    const other = reconcile(publication, withSheet, draft('2024-06', sheet('Table 3')))
    expect(other.bindings[0]!.source.key).toBe('something_else')
    expect(other.drift.removedSources).toEqual([{ key: 'submissions', table: 'submissions' }])
  })

  it('a source in a ZIP is found by its member and ZIP globs', () => {
    const member = (zip: string, key: string): DraftSource => ({
      ...source(key, 'Appointments_GP_Daily.csv', 'Appointments_GP_Daily.csv', [field('n', 'N', 'integer')]),
      zip,
      match: { file: 'Appointments_GP_Daily.csv', zip: 'appointments-*.zip' },
    })
    const canonical = reconcile(
      publication,
      undefined,
      draft('2024-01', member('appointments-2024-01.zip', 'appointments')),
    ).manifest
    expect(canonical.sources[0]!.match).toEqual({
      file: 'Appointments_GP_Daily.csv',
      zip: 'appointments-*.zip',
    })
    const same = reconcile(publication, canonical, draft('2024-02', member('appointments-2024-02.zip', 'k')))
    expect(same.bindings[0]!.source.key).toBe('appointments')
    expect(same.driftClass).toBe('none')
    const elsewhere = reconcile(publication, canonical, draft('2024-02', member('other-2024-02.zip', 'k')))
    expect(elsewhere.bindings[0]!.source.key).toBe('k')
  })
})

describe('reconcile: renames by similarity', () => {
  const counts = (period: string, title: string, type: FieldType = 'integer') =>
    draft(
      period,
      source('counts', 'Counts.csv', 'Counts.csv', [
        field('practice_code', 'Practice Code', 'string'),
        field(title.toLowerCase().replace(/[^a-z]+/g, '_'), title, type, 0, ['12']),
      ]),
    )
  const base = (title: string, type: FieldType = 'integer') =>
    reconcile(publication, undefined, counts('2024-05', title, type)).manifest

  it('scores headers by their normalised character pairs', () => {
    expect(similarity('abc', 'abc')).toBe(1)
    expect(similarity('ab', 'cd')).toBe(0)
    expect(similarity('a', 'abc')).toBe(0)
    expect(similarity(headerKey('Administrative submissions'), headerKey('Administration submissions'))).toBe(
      0.875,
    )
    expect(RENAME_SIMILARITY).toBe(0.85)
  })

  it('a reworded header at least 0.85 alike is a rename, recorded with its score, keeping the name', () => {
    const result = reconcile(
      publication,
      base('Administrative submissions'),
      counts('2024-06', 'Administration submissions'),
    )
    expect(result.bindings[0]!.columns).toEqual(['practice_code', 'administrative_submissions'])
    expect(result.driftClass).toBe('breaking')
    expect(result.drift.sources[0]!.renamed).toEqual([
      {
        name: 'administrative_submissions',
        from: 'Administrative submissions',
        to: 'Administration submissions',
        similarity: 0.875,
      },
    ])
    expect(result.drift.sources[0]!.added).toEqual([])
    expect(result.drift.sources[0]!.removed).toEqual([])
    expect(result.changes).toEqual([
      'column "administrative_submissions" in "counts" renamed from "Administrative submissions" to "Administration submissions" (similarity 0.88)',
    ])
    expect(fieldOf(result.manifest, 'administrative_submissions')).toEqual({
      name: 'administrative_submissions',
      title: 'Administration submissions',
      type: 'integer',
      since: '2024-05',
      headers: [
        { text: 'Administrative submissions', since: '2024-05' },
        { text: 'Administration submissions', since: '2024-06' },
      ],
    })
  })

  it('exactly 0.85 alike is still a rename', () => {
    const result = reconcile(
      publication,
      base('Clinical submissions'),
      counts('2024-06', 'Clinical submission count'),
    )
    expect(result.drift.sources[0]!.renamed).toEqual([
      {
        name: 'clinical_submissions',
        from: 'Clinical submissions',
        to: 'Clinical submission count',
        similarity: 0.85,
      },
    ])
  })

  it('below 0.85 it is a new column and a missing one', () => {
    const result = reconcile(
      publication,
      base('Extract Date', 'date'),
      counts('2024-06', 'Extraction Date', 'date'),
    )
    expect(similarity(headerKey('Extract Date'), headerKey('Extraction Date'))).toBeLessThan(0.85)
    expect(result.driftClass).toBe('breaking')
    expect(result.drift.sources[0]!.renamed).toEqual([])
    expect(result.changes).toEqual([
      'new column "extraction_date" in "counts" (header "Extraction Date", date)',
      'column "extract_date" missing from "counts" (header was "Extract Date")',
    ])
    expect(result.bindings[0]!.columns).toEqual(['practice_code', 'extraction_date'])
    expect(fieldOf(result.manifest, 'extract_date').retiredSince).toBe('2024-06')
  })

  it('a similar header of another kind of values is not a rename', () => {
    const result = reconcile(
      publication,
      base('Administrative submissions'),
      counts('2024-06', 'Administration submissions', 'string'),
    )
    expect(result.drift.sources[0]!.renamed).toEqual([])
    expect(result.drift.sources[0]!.added.map((c) => c.name)).toEqual(['administration_submissions'])
    expect(result.drift.sources[0]!.removed.map((c) => c.name)).toEqual(['administrative_submissions'])
  })

  it('the most alike pair binds first', () => {
    const canonical = reconcile(
      publication,
      undefined,
      draft(
        '2024-05',
        source('counts', 'Counts.csv', 'Counts.csv', [
          field('clinical_submissions', 'Clinical submissions', 'integer'),
          field('clinical_submission_rate', 'Clinical submission rate', 'integer'),
        ]),
      ),
    ).manifest
    const result = reconcile(
      publication,
      canonical,
      draft(
        '2024-06',
        source('counts', 'Counts.csv', 'Counts.csv', [
          // 0.90 alike "Clinical submissions" and 0.93 alike "Clinical submission rate": it takes the rate.
          field('clinical_submissions_rate', 'Clinical submissions rate', 'integer'),
          // 0.85 alike "Clinical submissions", 0.79 alike "Clinical submission rate".
          field('clinical_submission_count', 'Clinical submission count', 'integer'),
        ]),
      ),
    )
    expect(result.bindings[0]!.columns).toEqual(['clinical_submission_rate', 'clinical_submissions'])
    expect(result.drift.sources[0]!.renamed.map((r) => [r.name, r.similarity.toFixed(2)])).toEqual([
      ['clinical_submission_rate', '0.93'],
      ['clinical_submissions', '0.85'],
    ])
  })
})

describe('reconcile: header history', () => {
  const typed = (period: string, title: string, name = 'practice_type') =>
    draft(period, submissions(period, { replace: { practice_type: field(name, title, 'string') } }))

  it('a header seen before (an alias) binds the column, even when the title has moved on', () => {
    const canonical: CanonicalManifest = {
      ...first(),
      sources: [
        {
          ...first().sources[0]!,
          schema: {
            ...first().sources[0]!.schema,
            fields: first().sources[0]!.schema.fields.map((f) =>
              f.name === 'practice_type'
                ? {
                    ...f,
                    title: 'Practice classification',
                    headers: [
                      { text: 'PracticeType', since: '2024-05' },
                      { text: 'Practice classification', since: '2024-06' },
                    ],
                  }
                : f,
            ),
          },
        },
      ],
    }
    // In May the text in effect was PracticeType: nothing changed.
    const inMay = reconcile(publication, canonical, typed('2024-05', 'PracticeType'))
    expect(inMay.driftClass).toBe('none')
    expect(inMay.manifest).toEqual(canonical)
    // In July a known text written differently binds by the history, and is a header change.
    const result = reconcile(publication, canonical, typed('2024-07', 'PRACTICE TYPE', 'practice_type_2'))
    expect(result.bindings[0]!.columns).toEqual(ALL)
    expect(result.driftClass).toBe('cosmetic')
    expect(result.drift.sources[0]!.headerChanges).toEqual([
      { name: 'practice_type', from: 'Practice classification', to: 'PRACTICE TYPE', method: 'alias' },
    ])
    expect(fieldOf(result.manifest, 'practice_type').headers).toEqual([
      { text: 'PracticeType', since: '2024-05' },
      { text: 'Practice classification', since: '2024-06' },
      { text: 'PRACTICE TYPE', since: '2024-07' },
    ])
  })

  it('a header that comes back to an earlier text is the title again, and every period then matches', () => {
    let canonical = first()
    canonical = reconcile(publication, canonical, typed('2024-06', 'Practice Type')).manifest
    const back = reconcile(publication, canonical, typed('2024-07', 'PracticeType'))
    expect(back.driftClass).toBe('cosmetic')
    expect(back.changes).toEqual([
      'header of "practice_type" in "submissions" now "PracticeType" (was "Practice Type")',
    ])
    expect(fieldOf(back.manifest, 'practice_type')).toEqual({
      name: 'practice_type',
      title: 'PracticeType',
      type: 'string',
      since: '2024-05',
      headers: [
        { text: 'PracticeType', since: '2024-05' },
        { text: 'Practice Type', since: '2024-06' },
        { text: 'PracticeType', since: '2024-07' },
      ],
    })
    for (const [period, title] of [
      ['2024-05', 'PracticeType'],
      ['2024-06', 'Practice Type'],
      ['2024-07', 'PracticeType'],
      ['2024-08', 'PracticeType'],
    ] as const) {
      const again = reconcile(publication, back.manifest, typed(period, title))
      expect(again.driftClass, period).toBe('none')
      expect(again.manifest, period).toEqual(back.manifest)
    }
  })

  it('loading an older period moves `since` earlier and does not flip the title', () => {
    const june = reconcile(publication, undefined, typed('2024-06', 'Practice Type')).manifest
    const result = reconcile(publication, june, typed('2024-05', 'PracticeType'))
    expect(result.driftClass).toBe('cosmetic')
    expect(result.drift.sources[0]!.headerChanges).toEqual([
      { name: 'practice_type', from: 'Practice Type', to: 'PracticeType', method: 'header' },
    ])
    expect(result.manifest.sources[0]!.since).toBe('2024-05')
    expect(fieldOf(result.manifest, 'practice_type')).toEqual({
      name: 'practice_type',
      title: 'Practice Type',
      type: 'string',
      since: '2024-05',
      headers: [
        { text: 'PracticeType', since: '2024-05' },
        { text: 'Practice Type', since: '2024-06' },
      ],
    })
    expect(fieldOf(result.manifest, 'rate')).toEqual({
      name: 'rate',
      title: 'Rate',
      type: 'integer',
      since: '2024-05',
    })
    // An older period with the same texts only moves `since`: no drift.
    const april = reconcile(publication, result.manifest, typed('2024-04', 'PracticeType'))
    expect(april.driftClass).toBe('none')
    expect(april.manifest.sources[0]!.since).toBe('2024-04')
    expect(fieldOf(april.manifest, 'practice_type').headers).toEqual([
      { text: 'PracticeType', since: '2024-04' },
      { text: 'Practice Type', since: '2024-06' },
    ])
    expect(fieldOf(april.manifest, 'practice_type').title).toBe('Practice Type')
    expect(fieldOf(april.manifest, 'rate').since).toBe('2024-04')
  })

  it('periods of other forms are ordered by the time they cover', () => {
    const year = (period: string, title: string) =>
      draft(period, source('data', `${period}.csv`, '*.csv', [field('practice_type', title, 'string')]))
    let canonical = reconcile(publication, undefined, year('FY2016-17', 'PracticeType')).manifest
    canonical = reconcile(publication, canonical, year('FY2017-18', 'Practice Type')).manifest
    const older = reconcile(publication, canonical, year('FY2014-15', 'PracticeType'))
    expect(fieldOf(older.manifest, 'practice_type')).toEqual({
      name: 'practice_type',
      title: 'Practice Type',
      type: 'string',
      since: 'FY2014-15',
      headers: [
        { text: 'PracticeType', since: 'FY2014-15' },
        { text: 'Practice Type', since: 'FY2017-18' },
      ],
    })
  })
})

describe('reconcile: headers that name their period', () => {
  /** A table that writes its month in every header, as the acute discharge sitrep's Tables 4 and 5 do. */
  const monthly = (period: string, month: string, extra: DraftField[] = []) =>
    draft(
      period,
      source('table_4', `webfile-${month.replace(' ', '')}.xlsx`, 'webfile-*.xlsx', [
        field('region', 'Region', 'string'),
        field('p0_home', `${month} - Patients discharged > P0 - Domestic home`, 'integer'),
        field('p1_home', `${month} - Patients discharged > P1 - Domestic home with reablement`, 'integer'),
        ...extra,
      ]),
    )

  it('a next month binds each column by its header without the month, and changes nothing in the manifest', () => {
    const canonical = reconcile(publication, undefined, monthly('2022-12', 'December 2022')).manifest
    const result = reconcile(publication, canonical, monthly('2023-01', 'January 2023'))
    expect(result.bindings[0]!.columns).toEqual(['region', 'p0_home', 'p1_home'])
    expect(result.driftClass).toBe('none')
    // No drift to report (no rename, no header change), and no header history that grows every month, so no review pull request every month.
    expect(result.manifest).toEqual(canonical)
  })

  it('a header that returns to an older text after a change that was not only its period is recorded', () => {
    const canonical = reconcile(publication, undefined, monthly('2022-12', 'December 2022')).manifest
    const renamed = reconcile(
      publication,
      canonical,
      draft(
        '2023-01',
        source('table_4', 'webfile-January2023.xlsx', 'webfile-*.xlsx', [
          field('region', 'Region', 'string'),
          field('p0_home', 'January 2023 - Discharged to P0 - Domestic home', 'integer'),
          field(
            'p1_home',
            'January 2023 - Patients discharged > P1 - Domestic home with reablement',
            'integer',
          ),
        ]),
      ),
    ).manifest
    const back = reconcile(publication, renamed, monthly('2023-02', 'February 2023'))
    expect(back.bindings[0]!.columns).toEqual(['region', 'p0_home', 'p1_home'])
    expect(back.drift.sources[0]!.headerChanges.map((c) => [c.name, c.method])).toEqual([
      ['p0_home', 'period'],
    ])
    expect(fieldOf(back.manifest, 'p0_home').title).toBe(
      'February 2023 - Patients discharged > P0 - Domestic home',
    )
  })

  it('any way of writing the period: abbreviations, two-digit years, financial years, quarters, dates', () => {
    const pairs = [
      ['Jan-24 submissions [7]', 'Feb-24 submissions [7]'],
      ['Payments 2022-23', 'Payments 2023/24'],
      ['Q1 2024 count', 'Q2 2024 count'],
      ['As at 31/03/2024 patients', 'As at 30/06/2024 patients'],
      ['Patients (Sept 2024)', 'Patients (October 2024)'],
    ]
    for (const [before, after] of pairs) {
      const one = (period: string, title: string) =>
        draft(
          period,
          source('data', 'data.csv', 'data.csv', [
            field('code', 'Code', 'string'),
            field('n', title, 'integer'),
          ]),
        )
      const canonical = reconcile(publication, undefined, one('2024-01', before!)).manifest
      const result = reconcile(publication, canonical, one('2024-02', after!))
      expect(result.bindings[0]!.columns, after).toEqual(['code', 'n'])
      expect(result.driftClass, after).toBe('none')
      expect(result.manifest, after).toEqual(canonical)
    }
  })

  it('two columns of one table that differ only by their month stay two columns', () => {
    const wide = (period: string, months: string[]) =>
      draft(
        period,
        source(
          'wide',
          'wide.csv',
          'wide.csv',
          months.map((m) => field(m.toLowerCase().replace(' ', '_'), `${m} count`, 'integer')),
        ),
      )
    const canonical = reconcile(publication, undefined, wide('2024-05', ['April 2024', 'May 2024'])).manifest
    expect(fieldsOf(canonical).map((f) => f.name)).toEqual(['april_2024', 'may_2024'])
    // The next release moves on a month: May binds by its header; June is a new column, never April's.
    const result = reconcile(publication, canonical, wide('2024-06', ['May 2024', 'June 2024']))
    expect(result.bindings[0]!.columns).toEqual(['may_2024', 'june_2024'])
    expect(result.drift.sources[0]!.headerChanges).toEqual([])
    expect(result.drift.sources[0]!.added.map((a) => a.name)).toEqual(['june_2024'])
    // A release whose columns all moved on is no rename of the old ones either.
    const moved = reconcile(publication, canonical, wide('2024-07', ['June 2024', 'July 2024']))
    expect(moved.drift.sources[0]!.headerChanges).toEqual([])
    expect(moved.drift.sources[0]!.added.map((a) => a.name)).toEqual(['june_2024', 'july_2024'])
  })

  it('a header that is nothing but its period is never matched by it', () => {
    const one = (period: string, title: string) =>
      draft(
        period,
        source('data', 'data.csv', 'data.csv', [
          field('code', 'Code', 'string'),
          field(title.toLowerCase().replace(' ', '_'), title, 'integer'),
        ]),
      )
    const canonical = reconcile(publication, undefined, one('2024-04', 'April 2024')).manifest
    const result = reconcile(publication, canonical, one('2024-05', 'May 2024'))
    expect(result.drift.sources[0]!.headerChanges).toEqual([])
    expect(result.drift.sources[0]!.added.map((a) => a.title)).toEqual(['May 2024'])
  })

  it('words that only contain a month name are kept: "Mayor", "Marching", "P3"', () => {
    expect(periodFreeHeaderKey('Mayor of London 2024')).toBe('mayoroflondon')
    expect(periodFreeHeaderKey('Marching band (May 2024)')).toBe('marchingband')
    expect(periodFreeHeaderKey('P3 March 2024')).toBe('p3')
    expect(periodFreeHeaderKey('December 2022 - Patients > P0 [4]')).toBe('patientsp0')
  })
})

describe('reconcile: expectations follow the periods', () => {
  it('a field seen since a later period is not missing from an earlier one', () => {
    const june = reconcile(
      publication,
      first(),
      draft(
        '2024-06',
        submissions('2024-06', { extra: [field('participation', 'Participation', 'integer')] }),
      ),
    ).manifest
    expect(fieldOf(june, 'participation').since).toBe('2024-06')
    const mayAgain = reconcile(publication, june, may)
    expect(mayAgain.driftClass).toBe('none')
    expect(mayAgain.manifest).toEqual(june)
    const april = reconcile(publication, june, draft('2024-04', submissions('2024-04')))
    expect(april.driftClass).toBe('none')
    expect(april.drift.sources).toEqual([])
    expect(fieldOf(april.manifest, 'participation')).toEqual({
      name: 'participation',
      title: 'Participation',
      type: 'integer',
      since: '2024-06',
    })
  })

  it('a missing column is retired from the period, its field kept; it is not expected afterwards', () => {
    const result = reconcile(
      publication,
      first(),
      draft('2024-06', submissions('2024-06', { without: ['rate'] })),
    )
    expect(result.driftClass).toBe('breaking')
    expect(result.changes).toEqual(['column "rate" missing from "submissions" (header was "Rate")'])
    expect(result.drift.sources[0]!.removed).toEqual([{ name: 'rate', title: 'Rate' }])
    expect(fieldOf(result.manifest, 'rate')).toEqual({
      name: 'rate',
      title: 'Rate',
      type: 'integer',
      since: '2024-05',
      retiredSince: '2024-06',
    })
    expect(result.bindings[0]!.columns).toEqual([
      'practice_code',
      'practice_type',
      'submissions',
      'extract_date',
    ])
    const july = reconcile(
      publication,
      result.manifest,
      draft('2024-07', submissions('2024-07', { without: ['rate'] })),
    )
    expect(july.driftClass).toBe('none')
    expect(july.manifest).toEqual(result.manifest)
    // Before it was retired the column is still expected, and there.
    expect(reconcile(publication, result.manifest, may).driftClass).toBe('none')
  })

  it('a retired column that comes back is restored', () => {
    const retired = reconcile(
      publication,
      first(),
      draft('2024-06', submissions('2024-06', { without: ['rate'] })),
    ).manifest
    const result = reconcile(publication, retired, draft('2024-07', submissions('2024-07')))
    expect(result.driftClass).toBe('additive')
    expect(result.changes).toEqual(['column "rate" back in "submissions"'])
    expect(result.drift.sources[0]!.restored).toEqual([{ name: 'rate', title: 'Rate' }])
    expect(fieldOf(result.manifest, 'rate')).toEqual({
      name: 'rate',
      title: 'Rate',
      type: 'integer',
      since: '2024-05',
    })
    expect(result.bindings[0]!.columns).toEqual(ALL)
  })

  it('a missing source is retired (its table and data stay) and not expected afterwards', () => {
    const two = reconcile(
      publication,
      first(),
      draft(
        '2024-06',
        submissions('2024-06'),
        source('practices', 'Practices - June 2024.csv', 'Practices - * *.csv', [
          field('code', 'Code', 'string'),
        ]),
      ),
    ).manifest
    expect(two.sources[1]!.since).toBe('2024-06')
    const result = reconcile(publication, two, draft('2024-07', submissions('2024-07')))
    expect(result.driftClass).toBe('breaking')
    expect(result.drift.removedSources).toEqual([{ key: 'practices', table: 'practices' }])
    expect(result.changes).toEqual(['source "practices" missing from this period'])
    expect(result.manifest.sources[1]).toEqual({ ...two.sources[1], retiredSince: '2024-07' })
    expect(result.bindings.map((b) => b.source.key)).toEqual(['submissions'])
    // Not expected after it was retired, nor before it was first seen.
    expect(reconcile(publication, result.manifest, draft('2024-08', submissions('2024-08'))).driftClass).toBe(
      'none',
    )
    expect(reconcile(publication, result.manifest, may).driftClass).toBe('none')
    expect(reconcile(publication, two, may).drift.removedSources).toEqual([])
  })

  it('a retired source that comes back is restored: an additive change to review', () => {
    const practices = (period: string) =>
      source('practices', `Practices - ${MONTHS[period]} 2024.csv`, 'Practices - * *.csv', [
        field('code', 'Code', 'string'),
      ])
    let canonical = reconcile(
      publication,
      first(),
      draft('2024-06', submissions('2024-06'), practices('2024-06')),
    ).manifest
    canonical = reconcile(publication, canonical, draft('2024-07', submissions('2024-07'))).manifest
    expect(canonical.sources[1]!.retiredSince).toBe('2024-07')
    const result = reconcile(
      publication,
      canonical,
      draft('2024-08', submissions('2024-08'), practices('2024-08')),
    )
    expect(result.driftClass).toBe('additive')
    expect(result.drift.restoredSources).toEqual([{ key: 'practices', table: 'practices' }])
    expect(result.drift.sources).toEqual([])
    expect(result.changes).toEqual(['source "practices" back in this period'])
    expect(result.manifest.sources[1]!.retiredSince).toBeUndefined()
    expect(result.bindings.map((b) => b.source.key)).toEqual(['submissions', 'practices'])
    // Before it was retired it is simply there: nothing to report.
    const june = reconcile(
      publication,
      canonical,
      draft('2024-06', submissions('2024-06'), practices('2024-06')),
    )
    expect(june.driftClass).toBe('none')
    expect(june.drift.restoredSources).toEqual([])
  })
})

describe('reconcile: types', () => {
  const later = (type: FieldType, nulls = 0, rows = 10, samples: string[] = []) => {
    const s = submissions('2024-06', {
      replace: { submissions: field('submissions', 'Submissions', type, nulls, samples) },
    })
    return draft('2024-06', { ...s, rows })
  }
  const typeOf = (manifest: CanonicalManifest, name: string) => fieldOf(manifest, name).type

  it('an integer column widens to number when a period has decimals', () => {
    const result = reconcile(publication, first(), later('number', 0, 10, ['12.5', '3']))
    expect(typeOf(result.manifest, 'submissions')).toBe('number')
    expect(result.changed).toBe(true)
    expect(result.driftClass).toBe('additive')
    expect(result.changes).toEqual(['column "submissions" in "submissions" widened from integer to number'])
    expect(result.drift.sources[0]!.retyped).toEqual([
      { name: 'submissions', from: 'integer', to: 'number', samples: ['12.5', '3'] },
    ])
  })

  it('an integer column widens to string when a period has text', () => {
    const result = reconcile(publication, first(), later('string'))
    expect(typeOf(result.manifest, 'submissions')).toBe('string')
    expect(result.changes).toEqual(['column "submissions" in "submissions" widened from integer to string'])
  })

  it('a date column widens to datetime', () => {
    const withTime = draft(
      '2024-06',
      submissions('2024-06', {
        replace: { extract_date: field('extract_date', 'Extract Date', 'datetime') },
      }),
    )
    const result = reconcile(publication, first(), withTime)
    expect(typeOf(result.manifest, 'extract_date')).toBe('datetime')
    expect(result.changes).toEqual(['column "extract_date" in "submissions" widened from date to datetime'])
  })

  it('a narrower type in a later period never narrows the field', () => {
    const canonical = reconcile(publication, first(), later('number')).manifest
    const result = reconcile(publication, canonical, later('integer'))
    expect(typeOf(result.manifest, 'submissions')).toBe('number')
    expect(result.changed).toBe(false)
    expect(result.manifest).toEqual(canonical)
  })

  it('an all-null column in a later period neither narrows nor widens the type', () => {
    const result = reconcile(publication, first(), later('string', 10, 10))
    expect(typeOf(result.manifest, 'submissions')).toBe('integer')
    expect(result.changed).toBe(false)
    expect(result.bindings[0]!.columns).toEqual(ALL)
  })

  it('a later period with no rows leaves every type alone', () => {
    const result = reconcile(publication, first(), later('string', 0, 0))
    expect(typeOf(result.manifest, 'submissions')).toBe('integer')
    expect(result.changed).toBe(false)
  })

  describe('a column that held only missing markers', () => {
    // "-" in every row of the first release: no value says what the column holds.
    const dashes = draft('2024-05', {
      ...submissions('2024-05', { replace: { rate: field('rate', 'Rate', 'string', 10, ['-']) } }),
    })
    const june = (type: FieldType, samples: string[], nulls = 0) =>
      draft(
        '2024-06',
        submissions('2024-06', { replace: { rate: field('rate', 'Rate', type, nulls, samples) } }),
      )

    it('is drafted as string, marked untyped', () => {
      const manifest = reconcile(publication, undefined, dashes).manifest
      expect(fieldOf(manifest, 'rate')).toEqual({
        name: 'rate',
        title: 'Rate',
        type: 'string',
        since: '2024-05',
        untyped: true,
      })
      expect(fieldOf(manifest, 'submissions').untyped).toBeUndefined()
    })

    it('takes the type of its first values: a cosmetic change, not a widening to review', () => {
      const canonical = reconcile(publication, undefined, dashes).manifest
      const result = reconcile(publication, canonical, june('integer', ['12', '3']))
      expect(fieldOf(result.manifest, 'rate')).toEqual({
        name: 'rate',
        title: 'Rate',
        type: 'integer',
        since: '2024-05',
      })
      expect(result.driftClass).toBe('cosmetic')
      expect(result.drift.sources[0]!.retyped).toEqual([
        { name: 'rate', from: 'string', to: 'integer', samples: ['12', '3'], firstValues: true },
      ])
      expect(result.changes).toEqual([
        'column "rate" in "submissions" has its first values: integer (it held only empty cells or missing markers)',
      ])
      // From then on it widens as any typed column does.
      const later = reconcile(publication, result.manifest, {
        ...june('number', ['1.5']),
        period: '2024-07',
      })
      expect(later.driftClass).toBe('additive')
    })

    it('stays untyped while its periods hold no value', () => {
      const canonical = reconcile(publication, undefined, dashes).manifest
      const result = reconcile(publication, canonical, june('string', ['-'], 10))
      expect(result.driftClass).toBe('none')
      expect(result.manifest).toEqual(canonical)
    })

    it('first values of text make it a string column for good', () => {
      const canonical = reconcile(publication, undefined, dashes).manifest
      const result = reconcile(publication, canonical, june('string', ['closed']))
      expect(fieldOf(result.manifest, 'rate')).toEqual({
        name: 'rate',
        title: 'Rate',
        type: 'string',
        since: '2024-05',
      })
      expect(result.driftClass).toBe('cosmetic')
    })
  })

  it('does not change the canonical manifest it was given', () => {
    const canonical = first()
    const before = structuredClone(canonical)
    reconcile(publication, canonical, later('string'))
    reconcile(publication, canonical, draft('2024-06', submissions('2024-06', { without: ['rate'] })))
    reconcile(publication, canonical, draft('2024-04', submissions('2024-04')))
    expect(canonical).toEqual(before)
  })
})

describe('reconcile and the canonical file', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'datawarp-reconcile-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** A manifest with some history: a header change, a retired column, a new column and a second source. */
  function history(): { manifest: CanonicalManifest; periods: DraftManifest[] } {
    const periods = [
      may,
      draft(
        '2024-06',
        submissions('2024-06', {
          replace: { practice_type: field('practice_type', 'Practice Type', 'string') },
          extra: [field('participation', 'Participation [11]', 'integer')],
        }),
      ),
      draft(
        '2024-07',
        submissions('2024-07', {
          replace: { practice_type: field('practice_type', 'Practice Type', 'string') },
          without: ['rate'],
          extra: [field('participation', 'Participation [11]', 'integer')],
        }),
        source('practices', 'Practices - July 2024.csv', 'Practices - * *.csv', [
          field('code', 'Code', 'string'),
        ]),
      ),
    ]
    let manifest: CanonicalManifest | undefined
    for (const period of periods) manifest = reconcile(publication, manifest, period).manifest
    return { manifest: manifest!, periods }
  }

  it('round-trips byte for byte, and a period that changes nothing leaves the file as it was', () => {
    const { manifest, periods } = history()
    const path = join(dir, 'online_consultation_canonical.yaml')
    expect(writeCanonicalManifest(path, manifest)).toBe(true)
    const text = renderCanonicalManifest(manifest)
    expect(text).toContain('          headers:\n            - { text: PracticeType, since: 2024-05 }\n')
    expect(text).toContain('          retiredSince: 2024-07\n')
    const read = readCanonicalManifest(path)!
    expect(read).toEqual(manifest)
    expect(renderCanonicalManifest(read)).toBe(text)
    for (const period of periods) {
      const again = reconcile(publication, read, period)
      expect(again.driftClass, period.period).toBe('none')
      expect(renderCanonicalManifest(again.manifest), period.period).toBe(text)
      expect(writeCanonicalManifest(path, again.manifest), period.period).toBe(false)
    }
  })

  it('a year period survives the round trip as text', () => {
    const path = join(dir, 'years.yaml')
    const manifest = reconcile(
      publication,
      undefined,
      draft('2024', source('data', 'data.csv', '*.csv', [field('code', 'Code', 'string')])),
    ).manifest
    writeFileSync(path, renderCanonicalManifest(manifest))
    expect(readCanonicalManifest(path)).toEqual(manifest)
    expect(fieldOf(readCanonicalManifest(path)!, 'code').since).toBe('2024')
  })
})

describe('headerKey', () => {
  it('ignores case, spacing, punctuation and footnote markers', () => {
    expect(headerKey('PracticeType')).toBe('practicetype')
    expect(headerKey('Practice Type')).toBe('practicetype')
    expect(headerKey('Practice type [3]')).toBe('practicetype')
    expect(headerKey('Practice-Type [note 2]')).toBe('practicetype')
  })

  it('keeps % and £ apart from the words around them', () => {
    expect(headerKey('Rate %')).not.toBe(headerKey('Rate'))
    expect(headerKey('Cost £')).toBe('cost£')
  })
})
