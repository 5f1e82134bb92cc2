import { describe, expect, it } from 'vitest'
import type {
  CanonicalManifest,
  DraftField,
  DraftManifest,
  DraftSource,
  FieldType,
} from '../model/manifest.js'
import { headerKey, reconcile } from './reconcile.js'
import { MISSING_MARKERS } from './values.js'

const publication = { code: 'online_consultation', name: 'Online Consultation' }

function field(name: string, title: string, type: FieldType, nulls = 0): DraftField {
  return { name, title, type, samples: [], nulls, suppressed: 0 }
}

function source(key: string, file: string, glob: string, fields: DraftField[], rows = 10): DraftSource {
  return { key, file, match: { file: glob }, headerRows: [1], rows, excludedRows: [], fields }
}

function draft(period: string, ...sources: DraftSource[]): DraftManifest {
  return { publication: publication.code, period, sources, skipped: [] }
}

const may = draft(
  '2024-05',
  source('submissions', 'Submissions - May 2024.csv', 'Submissions - * *.csv', [
    field('practice_code', 'Practice Code', 'string'),
    field('practice_type', 'PracticeType', 'string'),
    field('submissions', 'Submissions', 'integer'),
    field('rate', 'Rate', 'integer'),
    field('extract_date', 'Extract Date', 'date'),
  ]),
)

function first(): CanonicalManifest {
  return reconcile(publication, undefined, may).manifest
}

describe('reconcile: the first period', () => {
  it('with no canonical manifest the draft becomes it', () => {
    const result = reconcile({ ...publication, description: 'About it' }, undefined, may)
    expect(result.changed).toBe(true)
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
          match: { file: 'Submissions - * *.csv' },
          schema: {
            fields: [
              { name: 'practice_code', title: 'Practice Code', type: 'string' },
              { name: 'practice_type', title: 'PracticeType', type: 'string' },
              { name: 'submissions', title: 'Submissions', type: 'integer' },
              { name: 'rate', title: 'Rate', type: 'integer' },
              { name: 'extract_date', title: 'Extract Date', type: 'date' },
            ],
            missingValues: [...MISSING_MARKERS],
          },
        },
      ],
    })
  })

  it('binds each draft column to the field of the same physical name', () => {
    const result = reconcile(publication, undefined, may)
    expect(result.bindings).toHaveLength(1)
    expect(result.bindings[0]!.draft).toBe(may.sources[0])
    expect(result.bindings[0]!.source).toBe(result.manifest.sources[0])
    expect(result.bindings[0]!.columns).toEqual([
      'practice_code',
      'practice_type',
      'submissions',
      'rate',
      'extract_date',
    ])
  })

  it('a sheet is named in the change line of a new source', () => {
    const sheetSource: DraftSource = { ...may.sources[0]!, sheet: 'Table 1' }
    expect(reconcile(publication, undefined, draft('2024-05', sheetSource)).changes[1]).toBe(
      'new source "submissions" (Submissions - May 2024.csv, sheet "Table 1")',
    )
  })
})

describe('reconcile: a later period', () => {
  it('a second identical draft changes nothing and binds the same columns', () => {
    const canonical = first()
    const again = reconcile(publication, canonical, may)
    expect(again.changed).toBe(false)
    expect(again.changes).toEqual([])
    expect(again.manifest).toEqual(canonical)
    expect(again.bindings[0]!.columns).toEqual([
      'practice_code',
      'practice_type',
      'submissions',
      'rate',
      'extract_date',
    ])
  })

  it('the canonical name and description win over the config', () => {
    const canonical = { ...first(), name: 'Edited name', description: 'Edited' }
    const result = reconcile({ ...publication, description: 'From config' }, canonical, may)
    expect(result.manifest.name).toBe('Edited name')
    expect(result.manifest.description).toBe('Edited')
    expect(result.changed).toBe(false)
  })

  it('a header that only changes case, spacing or footnotes keeps its physical name', () => {
    let canonical = first()
    for (const title of ['Practice Type', 'Practice type [3]', 'PRACTICE  TYPE¹']) {
      const renamed = draft(
        '2024-06',
        source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
          field('practice_code', 'Practice Code', 'string'),
          field(title === 'Practice Type' ? 'practice_type' : 'practice_type_other', title, 'string'),
          field('submissions', 'Submissions', 'integer'),
          field('rate', 'Rate', 'integer'),
          field('extract_date', 'Extract Date', 'date'),
        ]),
      )
      const result = reconcile(publication, canonical, renamed)
      expect(result.changed, title).toBe(false)
      expect(result.bindings[0]!.columns[1], title).toBe('practice_type')
      // The canonical title stays as first written.
      expect(result.manifest.sources[0]!.schema.fields[1]!.title, title).toBe('PracticeType')
      canonical = result.manifest
    }
  })

  it('a column whose header changed binds by its physical name', () => {
    const renamed = draft(
      '2024-06',
      source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        field('submissions', 'Submissions!', 'integer'),
      ]),
    )
    const result = reconcile(publication, first(), renamed)
    expect(result.bindings[0]!.columns).toEqual(['submissions'])
    expect(result.changed).toBe(false)
  })

  it('columns are bound whatever their order in the file', () => {
    const reordered = draft(
      '2024-06',
      source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        field('rate', 'Rate', 'integer'),
        field('practice_code', 'Practice Code', 'string'),
      ]),
    )
    const result = reconcile(publication, first(), reordered)
    expect(result.bindings[0]!.columns).toEqual(['rate', 'practice_code'])
    expect(result.changed).toBe(false)
  })

  it('a new column is appended with a name no other field has', () => {
    const withNew = draft(
      '2024-06',
      source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        field('practice_code', 'Practice Code', 'string'),
        field('submissions_2', 'Submissions (online)', 'integer'),
        field('submissions', 'Submissions', 'integer'),
      ]),
    )
    const result = reconcile(publication, first(), withNew)
    expect(result.changed).toBe(true)
    expect(result.changes).toEqual([
      'new column "submissions_2" in "submissions" (header "Submissions (online)")',
    ])
    expect(result.bindings[0]!.columns).toEqual(['practice_code', 'submissions_2', 'submissions'])
    expect(result.manifest.sources[0]!.schema.fields.map((f) => f.name)).toEqual([
      'practice_code',
      'practice_type',
      'submissions',
      'rate',
      'extract_date',
      'submissions_2',
    ])
    expect(result.manifest.sources[0]!.schema.fields[5]).toEqual({
      name: 'submissions_2',
      title: 'Submissions (online)',
      type: 'integer',
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
    expect(result.manifest.sources[0]!.schema.fields).toEqual([
      { name: 'rate_pct', title: 'Rate %', type: 'number' },
      { name: 'rate_pct_2', title: 'Rate pct', type: 'number' },
    ])
    expect(result.changes).toEqual(['new column "rate_pct_2" in "rates" (header "Rate pct")'])
  })

  it('a new source is added with a key and table of its own', () => {
    const canonical = first()
    const clash = draft(
      '2024-06',
      source(
        'submissions',
        'Submissions - June 2024.csv',
        'Submissions - * *.csv',
        may.sources[0]!.fields.slice(),
      ),
      source('submissions', 'Other Submissions - June 2024.csv', 'Other Submissions - * *.csv', [
        field('code', 'Code', 'string'),
      ]),
    )
    const result = reconcile(publication, canonical, clash)
    expect(result.changed).toBe(true)
    expect(result.changes).toEqual(['new source "submissions_2" (Other Submissions - June 2024.csv)'])
    expect(result.manifest.sources.map((s) => [s.key, s.table])).toEqual([
      ['submissions', 'submissions'],
      ['submissions_2', 'submissions_2'],
    ])
    expect(result.bindings.map((b) => b.source.key)).toEqual(['submissions', 'submissions_2'])
    expect(result.manifest.sources[1]!.match).toEqual({ file: 'Other Submissions - * *.csv' })
  })

  it('a new source whose key is free but whose table is taken gets a table of its own', () => {
    const canonical = { ...first() }
    canonical.sources = [{ ...canonical.sources[0]!, key: 'renamed' }]
    const other = draft(
      '2024-06',
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
    const sheet = {
      ...canonical,
      sources: [{ ...canonical.sources[0]!, match: { file: 'Submissions - * *.csv' } }],
    }
    const renamedKey = draft(
      '2024-06',
      source('something_else', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        field('rate', 'Rate', 'integer'),
      ]),
    )
    const result = reconcile(publication, sheet, renamedKey)
    expect(result.changed).toBe(false)
    expect(result.bindings[0]!.source.key).toBe('submissions')
  })
})

describe('reconcile: types', () => {
  const later = (type: FieldType, nulls = 0, rows = 10) =>
    draft(
      '2024-06',
      source(
        'submissions',
        'Submissions - June 2024.csv',
        'Submissions - * *.csv',
        [field('submissions', 'Submissions', type, nulls), field('extract_date', 'Extract Date', 'date')],
        rows,
      ),
    )
  const typeOf = (manifest: CanonicalManifest, name: string) =>
    manifest.sources[0]!.schema.fields.find((f) => f.name === name)!.type

  it('an integer column widens to number when a period has decimals', () => {
    const result = reconcile(publication, first(), later('number'))
    expect(typeOf(result.manifest, 'submissions')).toBe('number')
    expect(result.changed).toBe(true)
    expect(result.changes).toEqual(['column "submissions" in "submissions" widened from integer to number'])
  })

  it('an integer column widens to string when a period has text', () => {
    const result = reconcile(publication, first(), later('string'))
    expect(typeOf(result.manifest, 'submissions')).toBe('string')
  })

  it('a date column widens to datetime', () => {
    const withTime = draft(
      '2024-06',
      source('submissions', 'Submissions - June 2024.csv', 'Submissions - * *.csv', [
        field('extract_date', 'Extract Date', 'datetime'),
      ]),
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
  })

  it('an all-null column in a later period neither narrows nor widens the type', () => {
    const result = reconcile(publication, first(), later('string', 10, 10))
    expect(typeOf(result.manifest, 'submissions')).toBe('integer')
    expect(result.changed).toBe(false)
    expect(result.bindings[0]!.columns).toEqual(['submissions', 'extract_date'])
  })

  it('a later period with no rows leaves every type alone', () => {
    const result = reconcile(publication, first(), later('string', 0, 0))
    expect(typeOf(result.manifest, 'submissions')).toBe('integer')
    expect(result.changed).toBe(false)
  })

  it('does not change the canonical manifest it was given', () => {
    const canonical = first()
    const before = structuredClone(canonical)
    reconcile(publication, canonical, later('string'))
    expect(canonical).toEqual(before)
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
