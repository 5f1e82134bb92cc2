import { describe, expect, it } from 'vitest'
import type { CanonicalManifest, FieldType } from '../model/manifest.js'
import { isUpToDate, type LastLoad } from './ledger.js'

const FILE = { url: 'https://example.org/a.csv', sha256: 'abc' }

const last = (type: FieldType): LastLoad => ({
  loadId: 1,
  rows: 10,
  finishedAt: new Date(),
  sources: [
    { sourceKey: 'a', url: FILE.url, fileName: 'a.csv', sha256: FILE.sha256, fields: [{ name: 'n', type }] },
  ],
})

const manifest = (type: FieldType): CanonicalManifest => ({
  publication: 'p',
  name: 'P',
  sources: [
    { key: 'a', table: 'a', match: { file: 'a.csv' }, schema: { fields: [{ name: 'n', title: 'N', type }] } },
  ],
})

describe('whether a loaded period is up to date', () => {
  it('is, with the same files and the same field types', () => {
    expect(isUpToDate(last('integer'), [FILE], manifest('integer'))).toBe(true)
  })

  it('is not when a file changed', () => {
    expect(isUpToDate(last('integer'), [{ ...FILE, sha256: 'def' }], manifest('integer'))).toBe(false)
  })

  it('is, after a field widened from integer to number or from date to datetime: ALTER converted it alike', () => {
    expect(isUpToDate(last('integer'), [FILE], manifest('number'))).toBe(true)
    expect(isUpToDate(last('date'), [FILE], manifest('datetime'))).toBe(true)
  })

  it('is not after a field widened to string: a reload keeps the text as published', () => {
    expect(isUpToDate(last('number'), [FILE], manifest('string'))).toBe(false)
    expect(isUpToDate(last('date'), [FILE], manifest('string'))).toBe(false)
  })
})
