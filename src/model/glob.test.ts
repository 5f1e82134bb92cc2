import { describe, expect, it } from 'vitest'
import { globMatches as discoverGlob } from '../discover/match.js'
import { globMatches as manifestGlob } from '../manifest/source-key.js'
import { wildcardMatches } from './glob.js'

const NHS_NAME = 'Monthly-AE-Time-Series-with-Adjusted-Performance-and-Footnotes-November-2025-XyZ.xlsx'

describe('wildcard globs', () => {
  it('match in time linear in the name whatever the number of stars', () => {
    for (const match of [discoverGlob, manifestGlob, (p: string, n: string) => wildcardMatches(p, n)]) {
      const started = performance.now()
      expect(match('*********************Q', NHS_NAME)).toBe(false)
      expect(match('*?*?*?*?*?*?*?*?*?*Q', NHS_NAME)).toBe(false)
      expect(performance.now() - started).toBeLessThan(200)
    }
  })

  it('keep their meaning: * any run, ? one character (when asked), case-insensitive, the whole name', () => {
    expect(wildcardMatches('PracPop*.csv', 'pracpopOCT.CSV')).toBe(true)
    expect(wildcardMatches('PracPop*.csv', 'xPracPopOct.csv')).toBe(false)
    expect(wildcardMatches('a*b*c', 'aXXbYYbZZc')).toBe(true)
    expect(wildcardMatches('a*b*c', 'aXXbYYbZZ')).toBe(false)
    expect(wildcardMatches('*', '')).toBe(true)
    expect(wildcardMatches('a?c', 'abc', { anyOne: '?' })).toBe(true)
    expect(wildcardMatches('a?c', 'abc')).toBe(false)
    expect(wildcardMatches('a?c', 'a?c')).toBe(true)
    expect(wildcardMatches('*.xlsx', 'A\nB.xlsx')).toBe(true)
    expect(wildcardMatches('café*', 'CAFÉ 2025')).toBe(true)
  })
})
