import { describe, expect, it } from 'vitest'
import { classifyDrift, type Drift, driftLines, type SourceDrift } from './drift.js'

function sourceDrift(changes: Partial<SourceDrift> = {}): SourceDrift {
  return {
    key: 'submissions',
    table: 'submissions',
    file: 'Submissions - June 2024.xlsx',
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

function drift(changes: Partial<Drift> = {}): Drift {
  return {
    publication: 'online_consultation',
    period: '2024-06',
    firstManifest: false,
    sources: [],
    removedSources: [],
    ...changes,
  }
}

const added = { name: 'participation', title: 'Participation', type: 'integer' as const, samples: ['1', '0'] }
const removed = { name: 'rate', title: 'Rate' }
const renamed = {
  name: 'submissions',
  from: 'Submissions [7]',
  to: 'Submissions [7. 11]',
  similarity: 0.8696,
}
const retyped = { name: 'rate', from: 'integer' as const, to: 'number' as const, samples: ['1.5'] }
const restored = { name: 'rate', title: 'Rate' }
const headerChange = {
  name: 'practice_type',
  from: 'PracticeType',
  to: 'Practice Type',
  method: 'header' as const,
}

describe('classifyDrift', () => {
  it('none: no source changed and none is missing', () => {
    expect(classifyDrift(drift())).toBe('none')
  })

  it('cosmetic: only header texts written differently', () => {
    expect(classifyDrift(drift({ sources: [sourceDrift({ headerChanges: [headerChange] })] }))).toBe(
      'cosmetic',
    )
  })

  it('additive: a first manifest, a new source, a new column, a wider type or a column back', () => {
    const cases: Drift[] = [
      drift({ firstManifest: true, sources: [sourceDrift({ isNew: true })] }),
      drift({ sources: [sourceDrift({ isNew: true })] }),
      drift({ sources: [sourceDrift({ added: [added] })] }),
      drift({ sources: [sourceDrift({ retyped: [retyped] })] }),
      drift({ sources: [sourceDrift({ restored: [restored] })] }),
      drift({ restoredSources: [{ key: 'practices', table: 'practices' }] }),
      drift({ sources: [sourceDrift({ added: [added], headerChanges: [headerChange] })] }),
    ]
    for (const d of cases) expect(classifyDrift(d), JSON.stringify(d.sources)).toBe('additive')
  })

  it('breaking: a missing column, a renamed header or a missing source, whatever else changed', () => {
    const cases: Drift[] = [
      drift({ sources: [sourceDrift({ removed: [removed] })] }),
      drift({ sources: [sourceDrift({ renamed: [renamed] })] }),
      drift({ removedSources: [{ key: 'practices', table: 'practices' }] }),
      drift({ sources: [sourceDrift({ added: [added], removed: [removed] })] }),
      drift({ sources: [sourceDrift({ isNew: true })], removedSources: [{ key: 'old', table: 'old' }] }),
      drift({
        sources: [sourceDrift({ headerChanges: [headerChange] }), sourceDrift({ renamed: [renamed] })],
      }),
    ]
    for (const d of cases) expect(classifyDrift(d), JSON.stringify(d)).toBe('breaking')
  })
})

describe('driftLines', () => {
  it('nothing for no drift', () => {
    expect(driftLines(drift())).toEqual([])
  })

  it('one line per change, sources in order, missing sources last', () => {
    const lines = driftLines(
      drift({
        sources: [
          sourceDrift({
            added: [added],
            removed: [removed],
            renamed: [renamed],
            retyped: [retyped],
            restored: [restored],
            headerChanges: [headerChange],
          }),
          sourceDrift({ key: 'table_3', table: 'table_3', sheet: 'Table 3', isNew: true, added: [added] }),
          sourceDrift({
            key: 'practices',
            table: 'practices',
            file: 'practices.csv',
            sheet: undefined,
            isNew: true,
          }),
        ],
        removedSources: [{ key: 'old_table', table: 'old_table' }],
        restoredSources: [{ key: 'back_again', table: 'back_again' }],
      }),
    )
    expect(lines).toEqual([
      'new column "participation" in "submissions" (header "Participation", integer)',
      'column "rate" missing from "submissions" (header was "Rate")',
      'column "submissions" in "submissions" renamed from "Submissions [7]" to "Submissions [7. 11]" (similarity 0.87)',
      'column "rate" in "submissions" widened from integer to number',
      'column "rate" back in "submissions"',
      'header of "practice_type" in "submissions" now "Practice Type" (was "PracticeType")',
      // A new source is one line, whatever its columns.
      'new source "table_3" (Submissions - June 2024.xlsx, sheet "Table 3")',
      'new source "practices" (practices.csv)',
      'source "back_again" back in this period',
      'source "old_table" missing from this period',
    ])
  })

  it('a first manifest says so first, with its number of sources', () => {
    const lines = driftLines(
      drift({
        firstManifest: true,
        sources: [
          sourceDrift({ isNew: true }),
          sourceDrift({ key: 'b', table: 'b', sheet: 'B', isNew: true }),
        ],
      }),
    )
    expect(lines).toEqual([
      'first canonical manifest (2 sources)',
      'new source "submissions" (Submissions - June 2024.xlsx, sheet "Table 2")',
      'new source "b" (Submissions - June 2024.xlsx, sheet "B")',
    ])
  })
})
