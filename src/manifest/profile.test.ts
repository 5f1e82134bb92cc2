import { describe, expect, it } from 'vitest'
import type { CellValue, ExtractedTable, RowObserver, TableRow } from '../model/table.js'
import { draftKeys, profileTable } from './profile.js'
import { reconcile } from './reconcile.js'

interface Skip {
  readonly position: number
  readonly reason: string
}

/** A table held in memory: rows from position 2 (below a one-row header) and the rows it reports as left out. */
function table(
  headers: string[],
  cells: CellValue[][],
  options: { file?: string; sheet?: string; zip?: string; skipped?: Skip[] } = {},
): ExtractedTable {
  const rows: TableRow[] = cells.map((c, i) => ({ position: i + 2, cells: c }))
  // Batches of two rows, so that profiling is seen to go on across batch boundaries.
  async function* batches(observer?: RowObserver): AsyncIterable<readonly TableRow[]> {
    for (const s of options.skipped ?? []) observer?.skipped(s.position, s.reason)
    for (let i = 0; i < rows.length; i += 2) yield rows.slice(i, i + 2)
  }
  return {
    file: options.file ?? 'Submissions - May 2024.csv',
    ...(options.zip ? { zip: options.zip } : {}),
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    headers,
    headerRows: [1],
    batches,
    async *rows(observer?: RowObserver) {
      for await (const batch of batches(observer)) yield* batch
    },
  }
}

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d))

describe('profileTable', () => {
  const submissions = table(
    ['Practice Code', 'PracticeType', 'Submissions', 'Rate %', 'Extract Date', 'Online?'],
    [
      ['A81001', 'GP', '1,234', '0.5', utc(2024, 5, 31), true],
      ['A81002', 'GP', '*', '1', utc(2024, 5, 31), false],
      ['A81003', 'Walk-in', null, 'c', utc(2024, 5, 31), true],
      ['A81004', 'GP', '12', null, utc(2024, 5, 31), 'TRUE'],
      ['00123', 'Other', '7', '2.25', null, null],
    ],
  )

  it('counts the rows and keeps where the table came from', async () => {
    const draft = await profileTable(submissions, 'submissions')
    expect(draft).toMatchObject({
      key: 'submissions',
      file: 'Submissions - May 2024.csv',
      match: { file: 'Submissions - * *.csv' },
      headerRows: [1],
      rows: 5,
      excludedRows: [],
    })
    expect(draft).not.toHaveProperty('sheet')
    expect(draft).not.toHaveProperty('zip')
  })

  it('describes each column: physical name, title, type, samples, nulls and suppressed values', async () => {
    const draft = await profileTable(submissions, 'submissions')
    expect(draft.fields).toEqual([
      {
        name: 'practice_code',
        title: 'Practice Code',
        type: 'string',
        samples: ['A81001', 'A81002', 'A81003'],
        nulls: 0,
        suppressed: 0,
      },
      {
        name: 'practice_type',
        title: 'PracticeType',
        type: 'string',
        samples: ['GP', 'Walk-in', 'Other'],
        nulls: 0,
        suppressed: 0,
      },
      {
        name: 'submissions',
        title: 'Submissions',
        type: 'integer',
        samples: ['1,234', '*', '12'],
        nulls: 2,
        suppressed: 1,
      },
      {
        name: 'rate_pct',
        title: 'Rate %',
        type: 'number',
        samples: ['0.5', '1', 'c'],
        nulls: 2,
        suppressed: 1,
      },
      {
        name: 'extract_date',
        title: 'Extract Date',
        type: 'date',
        samples: ['2024-05-31'],
        nulls: 1,
        suppressed: 0,
      },
      {
        name: 'online',
        title: 'Online?',
        type: 'boolean',
        samples: ['TRUE', 'FALSE'],
        nulls: 1,
        suppressed: 0,
      },
    ])
  })

  it('in a string column markers are values, not nulls', async () => {
    const draft = await profileTable(table(['Note'], [['*'], ['see notes'], [null]]), 'notes')
    expect(draft.fields[0]).toMatchObject({
      type: 'string',
      nulls: 1,
      suppressed: 0,
      samples: ['*', 'see notes'],
    })
  })

  it('a column with only markers is all nulls, so it cannot widen a canonical type', async () => {
    const may = await profileTable(table(['Count'], [['5'], ['6']]), 'counts')
    const june = await profileTable(table(['Count'], [['*'], ['c'], [null]]), 'counts')
    expect(june.fields[0]).toMatchObject({ type: 'string', nulls: 3, suppressed: 2 })
    const canonical = reconcile({ code: 'p', name: 'P' }, undefined, {
      publication: 'p',
      period: '2024-05',
      sources: [may],
      skipped: [],
    })
    const next = reconcile({ code: 'p', name: 'P' }, canonical.manifest, {
      publication: 'p',
      period: '2024-06',
      sources: [june],
      skipped: [],
    })
    expect(next.manifest.sources[0]!.schema.fields[0]!.type).toBe('integer')
    expect(next.changed).toBe(false)
  })

  it('samples are the first three distinct values as text', async () => {
    const draft = await profileTable(table(['N'], [[1], [1], ['1'], [2], [2], [3], [4]]), 'n')
    expect(draft.fields[0]!.samples).toEqual(['1', '2', '3'])
  })

  it('a row shorter than the headers reads as nulls in the missing cells', async () => {
    const draft = await profileTable(table(['A', 'B'], [['x'], ['y', '2']]), 'ab')
    expect(draft.fields[1]).toMatchObject({ type: 'integer', nulls: 1, samples: ['2'] })
  })

  it('an empty table has no rows and string columns', async () => {
    const draft = await profileTable(table(['A', 'B'], []), 'empty')
    expect(draft.rows).toBe(0)
    expect(draft.fields.map((f) => [f.type, f.nulls])).toEqual([
      ['string', 0],
      ['string', 0],
    ])
  })

  it('headers that name the same column get de-duplicated physical names', async () => {
    const draft = await profileTable(table(['Code', 'Code [1]', ''], [['a', 'b', 'c']]), 'codes')
    expect(draft.fields.map((f) => f.name)).toEqual(['code', 'code_2', 'column_3'])
    expect(draft.fields.map((f) => f.title)).toEqual(['Code', 'Code [1]', ''])
  })

  it('summarises the rows the table left out, by reason, with their positions', async () => {
    const skipped: Skip[] = [
      { position: 4, reason: 'blank' },
      { position: 9, reason: 'repeated header' },
      { position: 41, reason: 'after the table (notes or footnotes)' },
      { position: 42, reason: 'after the table (notes or footnotes)' },
      { position: 43, reason: 'after the table (notes or footnotes)' },
      { position: 12, reason: 'blank' },
    ]
    const draft = await profileTable(table(['A'], [['1']], { skipped }), 'a')
    expect(draft.excludedRows).toEqual([
      '2 rows (4–12): blank',
      '1 row (9): repeated header',
      '3 rows (41–43): after the table (notes or footnotes)',
    ])
  })

  it('a sheet of a workbook in a ZIP keeps its sheet in the draft and the match', async () => {
    const draft = await profileTable(
      table(['A'], [['1']], { file: 'PCN - May 2024.xlsx', sheet: 'Table 1', zip: 'bundle.zip' }),
      'table_1',
    )
    expect(draft).toMatchObject({
      file: 'PCN - May 2024.xlsx',
      zip: 'bundle.zip',
      sheet: 'Table 1',
      match: { file: 'PCN - * *.xlsx', sheet: 'Table 1' },
    })
  })

  it('reads the table once per call and can be profiled again with the same result', async () => {
    const first = await profileTable(submissions, 'submissions')
    const second = await profileTable(submissions, 'submissions')
    expect(second).toEqual(first)
  })
})

describe('draftKeys', () => {
  it('keys a CSV by its file name without period words', () => {
    expect(draftKeys([table(['A'], [], { file: 'PracPopOct.csv' })])).toEqual(['prac_pop'])
  })

  it('keys a workbook table by its sheet', () => {
    const tables = [
      table(['A'], [], { file: 'GP - May 2024.xlsx', sheet: 'Table 1' }),
      table(['A'], [], { file: 'GP - May 2024.xlsx', sheet: 'Table 2' }),
    ]
    expect(draftKeys(tables)).toEqual(['table_1', 'table_2'])
  })

  it('two workbooks with the same sheet names get keys prefixed with their file key', () => {
    const tables = [
      table(['A'], [], { file: 'Practices - May 2024.xlsx', sheet: 'Data' }),
      table(['A'], [], { file: 'Practices - May 2024.xlsx', sheet: 'Summary' }),
      table(['A'], [], { file: 'PCNs - May 2024.xlsx', sheet: 'Data' }),
      table(['A'], [], { file: 'PCNs - May 2024.xlsx', sheet: 'Summary' }),
    ]
    expect(draftKeys(tables)).toEqual(['practices_data', 'practices_summary', 'pc_ns_data', 'pc_ns_summary'])
  })

  it('keys that still clash get _2, _3 suffixes', () => {
    const tables = [
      table(['A'], [], { file: 'Data - May 2024.csv' }),
      table(['A'], [], { file: 'Data - June 2024.csv' }),
      table(['A'], [], { file: 'data.csv' }),
    ]
    expect(draftKeys(tables)).toEqual(['data', 'data_2', 'data_3'])
  })

  it('a file-prefixed key cut at 63 characters does not end in "_"', () => {
    const file = `${'ab_'.repeat(15)}ab.xlsx`
    const tables = [
      table(['A'], [], { file, sheet: 'Practice level data' }),
      table(['A'], [], { file: `Z${file}`, sheet: 'Practice level data' }),
      table(['A'], [], { file: `Z${file}`, sheet: 'Practice level data' }),
    ]
    expect(draftKeys(tables)).toEqual([
      `${'ab_'.repeat(16)}practice_level`,
      `z${'ab_'.repeat(16)}practice_level`,
      `z${'ab_'.repeat(16)}practice_le_2`,
    ])
  })

  it('a numbered key never has "__" before its number, wherever the cut falls', () => {
    for (let extra = 0; extra < 6; extra++) {
      const file = `${'z'.repeat(extra)}${'ab_'.repeat(15)}ab.xlsx`
      const tables = [
        table(['A'], [], { file, sheet: 'Practice level data' }),
        table(['A'], [], { file, sheet: 'Practice level data' }),
        table(['A'], [], { file: 'Other.xlsx', sheet: 'Practice level data' }),
      ]
      for (const key of draftKeys(tables)) expect(key, file).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/)
    }
  })

  it('every key is unique, snake_case and at most 63 characters', () => {
    const long = `${'Very Long Workbook Name '.repeat(4)}May 2024.xlsx`
    const tables = [
      table(['A'], [], { file: long, sheet: 'Practice level data' }),
      table(['A'], [], { file: `Other ${long}`, sheet: 'Practice level data' }),
      table(['A'], [], { file: `Other ${long}`, sheet: 'Practice level data' }),
    ]
    const keys = draftKeys(tables)
    expect(new Set(keys).size).toBe(3)
    for (const key of keys) {
      expect(key).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/)
      expect(key.length).toBeLessThanOrEqual(63)
    }
  })
})

describe('a table wider than PostgreSQL allows', () => {
  it('is refused before the database, naming the file and sheet, with the limit', async () => {
    const headers = Array.from({ length: 16_384 }, (_, i) => `Column ${i + 1}`)
    const wide = table(headers, [headers.map(() => 1)], { file: 'wide.xlsx', sheet: 'Data' })
    const error = await profileTable(wide, 'wide').catch((e) => e)
    expect(error.message).toMatch(/16384 columns: a PostgreSQL table holds at most 1600 \(1596 besides/)
    expect(error.where).toMatchObject({ file: 'wide.xlsx', sheet: 'Data' })
  })
})
