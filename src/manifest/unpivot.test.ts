import { describe, expect, it } from 'vitest'
import type { CanonicalManifest, Source } from '../model/manifest.js'
import { wantsUnpivot } from './unpivot.js'

const source = (key: string, match: Source['match'], unpivot?: boolean): Source => ({
  key,
  table: key,
  match,
  ...(unpivot !== undefined ? { unpivot } : {}),
  schema: { fields: [{ name: 'period', title: 'Period', type: 'string' }] },
})

const manifest: CanonicalManifest = {
  publication: 'oc',
  name: 'Online Consultation',
  sources: [
    source('table_1', { file: 'Submissions - * *.xlsx', sheet: 'Table 1' }, true),
    source('table_2', { file: 'Submissions - * *.xlsx', sheet: 'Table 2' }),
    source('summary', { file: 'Summary*.xlsx', sheet: 'Data' }, true),
  ],
}

describe('wantsUnpivot', () => {
  it('follows the source of the same key', () => {
    expect(wantsUnpivot(manifest, 'table_1', { file: 'Other.xlsx', sheet: 'Table 1' })).toBe(true)
    expect(wantsUnpivot(manifest, 'table_2', { file: 'Submissions - May 2024.xlsx', sheet: 'Table 2' })).toBe(
      false,
    )
  })

  it('else the source whose match takes the file and sheet', () => {
    expect(wantsUnpivot(manifest, 'data', { file: 'Summary 2024.xlsx', sheet: 'Data' })).toBe(true)
    expect(wantsUnpivot(manifest, 'data', { file: 'Summary 2024.xlsx', sheet: 'Other' })).toBe(false)
  })

  it('never without a canonical manifest', () => {
    expect(
      wantsUnpivot(undefined, 'table_1', { file: 'Submissions - May 2024.xlsx', sheet: 'Table 1' }),
    ).toBe(false)
  })
})
