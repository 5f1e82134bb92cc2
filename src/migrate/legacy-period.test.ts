import { describe, expect, it } from 'vitest'
import { mapLegacyType } from './consolidate.js'
import { isFileUrl } from './convert-config.js'
import { updatedGitignore } from './gitignore.js'
import { legacyPeriod, periodOfReleaseUrl } from './legacy-period.js'

describe('reading the old layout', () => {
  it('turns old period tokens into our grammar', () => {
    expect(legacyPeriod('nov25')).toBe('2025-11')
    expect(legacyPeriod('mar24')).toBe('2024-03')
    expect(legacyPeriod('sept2025')).toBe('2025-09')
    expect(legacyPeriod('2025-Q3')).toBe('2025-Q3')
    expect(legacyPeriod('FY2024-25')).toBe('FY2024-25')
    expect(legacyPeriod('2025-11')).toBe('2025-11')
    expect(legacyPeriod('nov')).toBeUndefined()
    expect(legacyPeriod('abc25')).toBeUndefined()
  })

  it('reads the period a release page names', () => {
    expect(periodOfReleaseUrl('https://digital.nhs.uk/x/mi-adhd/november-2025')).toBe('2025-11')
    expect(periodOfReleaseUrl('https://digital.nhs.uk/x/primary-care-network-workforce/30-april-2025/')).toBe(
      '2025-04',
    )
    expect(periodOfReleaseUrl('https://digital.nhs.uk/x/mi-adhd')).toBeUndefined()
  })

  it('maps the old column types to ours, and says when it cannot', () => {
    expect(mapLegacyType('integer')).toBe('integer')
    expect(mapLegacyType('BIGINT')).toBe('integer')
    expect(mapLegacyType('double precision')).toBe('number')
    expect(mapLegacyType('NUMERIC(10,2)')).toBe('number')
    expect(mapLegacyType('varchar(255)')).toBe('string')
    expect(mapLegacyType('TEXT')).toBe('string')
    expect(mapLegacyType('date')).toBe('date')
    expect(mapLegacyType('timestamp without time zone')).toBe('datetime')
    expect(mapLegacyType('boolean')).toBe('boolean')
    expect(mapLegacyType('geometry')).toBeUndefined()
    expect(mapLegacyType(undefined)).toBeUndefined()
  })

  it('tells files from pages', () => {
    expect(isFileUrl('https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25.csv')).toBe(true)
    expect(isFileUrl('https://files.digital.nhs.uk/02/F0E82B/OpenSAFELY%20-%20tables.zip')).toBe(true)
    expect(
      isFileUrl('https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd/may-2025'),
    ).toBe(false)
  })

  it('adds the design note’s .gitignore lines that are missing, and nothing twice', () => {
    expect(updatedGitignore(undefined)).toBe(
      '# DataWarp (design note, Step 3): generated data and working files are not kept in git\ndata/\ntmp/\n# Keep canonical manifests\n!manifests/canonical/\n',
    )
    const full = 'node_modules/\ndata/\ntmp/\n!manifests/canonical/\n'
    expect(updatedGitignore(full)).toBe(full)
    expect(updatedGitignore('data/')).toBe(
      'data/\n\n# DataWarp (design note, Step 3): generated data and working files are not kept in git\ntmp/\n# Keep canonical manifests\n!manifests/canonical/\n',
    )
  })
})
