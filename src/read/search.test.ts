import { describe, expect, it } from 'vitest'
import { searchCatalog } from './search.js'
import type { CatalogEntry } from './types.js'

const entry = (code: string, title: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  sourceCode: code,
  publication: code.split('__')[0]!,
  publicationName: 'GP publications',
  sourceKey: code.split('__')[1]!,
  table: `"${code.split('__')[0]}"."${code.split('__')[1]}"`,
  title,
  description: null,
  descriptionSource: null,
  rowCount: 1200,
  firstPeriod: '2024-01',
  lastPeriod: '2024-03',
  columns: [],
  parquetPath: code.replace('__', '/'),
  updatedAt: null,
  ...extra,
})

const CATALOG = [
  entry('gp__appointments', 'Appointments in General Practice'),
  entry('gp__online', 'Submissions via Online Consultation Systems'),
  entry('gp__workforce', 'GP workforce', {
    columns: [
      {
        name: 'online_consultation_staff',
        title: 'Staff handling online consultations',
        type: 'integer',
        unit: null,
        role: 'measure',
        description: null,
        descriptionSource: null,
        firstPeriod: null,
        lastPeriod: null,
      },
    ],
  }),
]

describe('searching the catalog', () => {
  it('ranks a source with every word in its title above one matching some words in a column', () => {
    const hits = searchCatalog(CATALOG, 'online consultation submissions')
    expect(hits.map((h) => h.sourceCode)).toEqual(['gp__online', 'gp__workforce'])
    expect(hits[0]!.line).toContain('1,200 rows, 2024-01–2024-03; matched in name, title')
    expect(hits[1]!.line).toContain('matched in columns')
  })

  it('ignores case, underscores and a plural s', () => {
    expect(searchCatalog(CATALOG, 'APPOINTMENT').map((h) => h.sourceCode)).toEqual(['gp__appointments'])
    expect(searchCatalog(CATALOG, 'gp__workforce')[0]!.sourceCode).toBe('gp__workforce')
  })

  it('finds nothing for words no source has, or for no words', () => {
    expect(searchCatalog(CATALOG, 'dentistry')).toEqual([])
    expect(searchCatalog(CATALOG, '  ;; ')).toEqual([])
  })

  it('keeps to the limit', () => {
    expect(searchCatalog(CATALOG, 'gp', 2)).toHaveLength(2)
  })
})
