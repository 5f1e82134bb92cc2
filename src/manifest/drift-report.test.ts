import { describe, expect, it } from 'vitest'
import type { Drift, SourceDrift } from '../model/drift.js'
import { renderDriftReport } from './drift-report.js'

const FILE = 'Submissions via Online Consultation Systems in General Practice - June 2024.xlsx'

function sourceDrift(changes: Partial<SourceDrift>): SourceDrift {
  return {
    key: 'table_2',
    table: 'table_2',
    file: FILE,
    sheet: 'Table 2',
    isNew: false,
    added: [],
    removed: [],
    renamed: [],
    retyped: [],
    restored: [],
    headerChanges: [],
    ...changes,
  }
}

const drift = (changes: Partial<Drift>): Drift => ({
  publication: 'online_consultation',
  period: '2024-06',
  firstManifest: false,
  sources: [],
  removedSources: [],
  ...changes,
})

describe('renderDriftReport', () => {
  it('lists every kind of change of a source, with example values, and new and missing sources', () => {
    const report = renderDriftReport(
      drift({
        sources: [
          sourceDrift({
            added: [
              { name: 'participation', title: 'Participation', type: 'integer', samples: ['1', '0'] },
              { name: 'notes', title: 'Notes', type: 'string', samples: [] },
            ],
            removed: [{ name: 'rate', title: 'Rate' }],
            renamed: [
              { name: 'submissions', from: 'Submissions [7]', to: 'Submissions [7. 11]', similarity: 0.8696 },
            ],
            retyped: [{ name: 'registered', from: 'integer', to: 'number', samples: ['1.5', '2'] }],
            restored: [{ name: 'supplier', title: 'Supplier [4, 5, 6]' }],
            headerChanges: [
              { name: 'practice_type', from: 'PracticeType', to: 'Practice Type', method: 'header' },
            ],
          }),
          sourceDrift({ key: 'table_3', table: 'table_3', sheet: 'Table 3', isNew: true }),
          sourceDrift({
            key: 'practices',
            table: 'practices',
            file: 'practices.csv',
            sheet: undefined,
            isNew: true,
          }),
        ],
        removedSources: [{ key: 'table_4', table: 'table_4' }],
        restoredSources: [{ key: 'table_5', table: 'table_5' }],
      }),
    )
    expect(report).toBe(
      [
        '### online_consultation 2024-06',
        '',
        `#### Source \`table_2\` → table \`table_2\` (${FILE}, sheet "Table 2")`,
        '',
        'Added columns:',
        '',
        '| column | header | type | examples |',
        '| --- | --- | --- | --- |',
        '| `participation` | Participation | integer | `1`, `0` |',
        '| `notes` | Notes | string | — |',
        '',
        'Missing columns (kept in the table; this and later periods get NULL):',
        '',
        '- `rate` — header was "Rate"',
        '',
        'Renamed headers (physical name kept — check they are the same measure):',
        '',
        '- `submissions`: "Submissions [7]" → "Submissions [7. 11]" (similarity 0.87)',
        '',
        'Wider types:',
        '',
        '- `registered`: integer → number (examples `1.5`, `2`)',
        '',
        'Columns back after a gap:',
        '',
        '- `supplier` ("Supplier [4, 5, 6]")',
        '',
        'Header text changes (same column):',
        '',
        '- `practice_type`: "PracticeType" → "Practice Type"',
        '',
        `#### New source \`table_3\` → table \`table_3\` (${FILE}, sheet "Table 3")`,
        '',
        '#### New source `practices` → table `practices` (practices.csv)',
        '',
        'Sources back after a gap (their tables get rows again):',
        '',
        '- `table_5` (table `table_5`)',
        '',
        'Sources missing from this period (their tables and data stay):',
        '',
        '- `table_4` (table `table_4`)',
        '',
      ].join('\n'),
    )
  })

  it('escapes pipes, folds line breaks and keeps backticks out of code spans', () => {
    const report = renderDriftReport(
      drift({
        sources: [
          sourceDrift({
            added: [
              {
                name: 'flags',
                title: 'Flags | notes\n[2]',
                type: 'string',
                samples: ['| Part year of data |', 'a `quoted`  value'],
              },
            ],
            removed: [{ name: 'old', title: 'Old | gone' }],
            headerChanges: [{ name: 'x', from: 'A|B', to: 'A | B', method: 'header' }],
          }),
        ],
      }),
    )
    expect(report).toContain(
      "| `flags` | Flags \\| notes [2] | string | `\\| Part year of data \\|`, `a 'quoted' value` |\n",
    )
    expect(report).toContain('- `old` — header was "Old \\| gone"\n')
    expect(report).toContain('- `x`: "A\\|B" → "A \\| B"\n')
    // Every table row has exactly its four cells: no unescaped pipe splits one.
    const row = report.split('\n').find((l) => l.startsWith('| `flags`'))!
    expect(row.replaceAll('\\|', '').split('|')).toHaveLength(6)
  })

  it('lists the columns of a new source of a known publication', () => {
    const added = [{ name: 'region', title: 'Region', type: 'string' as const, samples: ['North'] }]
    const report = renderDriftReport(drift({ sources: [sourceDrift({ isNew: true, added })] }))
    expect(report).toContain(
      'Columns:\n\n| column | header | type | examples |\n| --- | --- | --- | --- |\n| `region` | Region | string | `North` |\n',
    )
  })

  it('says when the period proposes the first canonical manifest, whose columns are in the manifest itself', () => {
    const added = [{ name: 'region', title: 'Region', type: 'string' as const, samples: ['North'] }]
    const report = renderDriftReport(
      drift({
        firstManifest: true,
        sources: [sourceDrift({ isNew: true, sheet: undefined, file: 'a.csv', added })],
      }),
    )
    expect(report).toBe(
      [
        '### online_consultation 2024-06',
        '',
        'First canonical manifest of this publication.',
        '',
        '#### New source `table_2` → table `table_2` (a.csv)',
        '',
      ].join('\n'),
    )
  })

  it('lists the columns typed by their first values apart from the wider types', () => {
    const report = renderDriftReport(
      drift({
        sources: [
          sourceDrift({
            retyped: [
              { name: 'rate', from: 'string', to: 'integer', samples: ['12', '3'], firstValues: true },
              { name: 'registered', from: 'integer', to: 'number', samples: ['1.5'] },
            ],
          }),
        ],
      }),
    )
    expect(report).toContain(
      'First values in columns that held only empty cells or missing markers (typed by them):\n\n- `rate`: integer',
    )
    expect(report).toContain('Wider types:\n\n- `registered`: integer → number')
    expect(report).not.toContain('`rate`: string')
  })

  it('says when nothing changed', () => {
    expect(renderDriftReport(drift({}))).toBe('### online_consultation 2024-06\n\nNo changes.\n')
  })
})
