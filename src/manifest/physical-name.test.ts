import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { physicalName, physicalNames, snakeWords, uniqueName } from './physical-name.js'

describe('physicalName', () => {
  it.each([
    ['Practice Code', 'practice_code'],
    ['ICB Name', 'icb_name'],
    ['  Padded   header  ', 'padded_header'],
    ['GP FTE (excl. trainees)', 'gp_fte_excl_trainees'],
    ['Café visits', 'cafe_visits'],
  ])('writes %j as snake_case %s', (header, name) => {
    expect(physicalName(header, 1)).toBe(name)
  })

  it.each([
    ['PracticeType', 'practice_type'],
    ['GPCode', 'gp_code'],
    ['ODSCode', 'ods_code'],
    ['NHSEngland', 'nhs_england'],
    ['practiceCode2', 'practice_code2'],
  ])('splits camelCase %s into %s', (header, name) => {
    expect(physicalName(header, 1)).toBe(name)
  })

  it.each([
    ['Feb-26 [10,11]', 'feb_26'],
    ['PCN Code [2, 3]', 'pcn_code'],
    ['Patients [note 4]', 'patients'],
    ['Year [Note 1]', 'year'],
    ['Rate [1 and 2]', 'rate'],
    ['Registered patients¹²', 'registered_patients'],
    ['Practice type [3]', 'practice_type'],
  ])('drops the footnote markers of %j', (header, name) => {
    expect(physicalName(header, 1)).toBe(name)
  })

  it.each([
    ['% of total', 'pct_of_total'],
    ['Total (%)', 'total_pct'],
    ['Cost £', 'cost_gbp'],
    ['A&E attendances', 'a_and_e_attendances'],
    ['Waiting >= 18 weeks', 'waiting_gte_18_weeks'],
    ['Waiting <= 4 hours', 'waiting_lte_4_hours'],
    ['Waiting >18 weeks', 'waiting_gt_18_weeks'],
    ['# of sites', 'number_of_sites'],
  ])('spells out the symbols of %j', (header, name) => {
    expect(physicalName(header, 1)).toBe(name)
  })

  it.each([
    ['52+ weeks', 'c_52_plus_weeks'],
    ['2024', 'c_2024'],
    ['2024-25 > April', 'c_2024_25_april'],
  ])('prefixes c_ to %j, which starts with a digit', (header, name) => {
    expect(physicalName(header, 1)).toBe(name)
  })

  it('reads the " > " joining a group and its column as a word break', () => {
    expect(physicalName('Attendances > Type 1', 1)).toBe('attendances_type_1')
  })

  it.each(['', '   ', '[1]', '---', '¹'])('names the empty header %j after its position', (header) => {
    expect(physicalName(header, 7)).toBe('column_7')
  })

  it('never starts a name with an underscore', () => {
    expect(physicalName('_internal', 1)).toBe('internal')
    expect(physicalName('__x__', 1)).toBe('x')
  })

  it('keeps a name of exactly 63 characters whole', () => {
    const header = `a${'b'.repeat(62)}`
    expect(physicalName(header, 1)).toBe(header)
  })

  it('cuts a longer name to 63 characters ending in an 8-character hash of the full name', () => {
    const header =
      'Number of patients seen within 18 weeks of referral by the specialty of the consultant responsible'
    const full = snakeWords(header)
    const hash = createHash('sha1').update(full).digest('hex').slice(0, 8)
    const name = physicalName(header, 1)
    expect(name).toBe(`number_of_patients_seen_within_18_weeks_of_referral_by_${hash}`)
    expect(name.length).toBeLessThanOrEqual(63)
    expect(physicalName(header, 2)).toBe(name)
  })

  it('two long headers sharing their first 63 characters get different names', () => {
    const stem = 'x'.repeat(70)
    const a = physicalName(`${stem} first`, 1)
    const b = physicalName(`${stem} second`, 1)
    expect(a).not.toBe(b)
    expect(a.slice(0, 54)).toBe(b.slice(0, 54))
    expect([a.length, b.length]).toEqual([63, 63])
  })
})

describe('physicalNames', () => {
  it('suffixes repeated names _2, _3 in column order', () => {
    expect(physicalNames(['Code', 'code', 'CODE', 'Code [1]'])).toEqual([
      'code',
      'code_2',
      'code_3',
      'code_4',
    ])
  })

  it('numbers empty headers by their 1-based column', () => {
    expect(physicalNames(['Code', '', 'Value', ''])).toEqual(['code', 'column_2', 'value', 'column_4'])
  })

  it('avoids names already taken', () => {
    expect(physicalNames(['Code', 'Name'], ['code', 'code_2'])).toEqual(['code_3', 'name'])
  })

  it('keeps a de-duplicated long name within 63 characters', () => {
    const names = physicalNames(['a'.repeat(80), 'a'.repeat(80)])
    expect(names[0]).toHaveLength(63)
    expect(names[1]).toHaveLength(63)
    expect(names[1]!.endsWith('_2')).toBe(true)
    expect(names[1]!.slice(0, 61)).toBe(names[0]!.slice(0, 61))
  })
})

describe('uniqueName', () => {
  it('claims the base name when it is free, and records it', () => {
    const used = new Set<string>()
    expect(uniqueName('code', used)).toBe('code')
    expect(uniqueName('code', used)).toBe('code_2')
    expect(uniqueName('code', used)).toBe('code_3')
    expect([...used]).toEqual(['code', 'code_2', 'code_3'])
  })

  it('a suffixed long name never has "__" before its number', () => {
    // "_" at index 60: cutting to 61 characters for "_2" would leave "..._" before the suffix.
    const base = `${'a'.repeat(60)}_bc`
    const used = new Set([base])
    const name = uniqueName(base, used)
    expect(name).toBe(`${'a'.repeat(60)}_2`)
    expect(name).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/)
  })
})

describe('snakeWords', () => {
  it('folds accents, splits camelCase and joins words with single underscores', () => {
    expect(snakeWords('Übersicht  -- TotalCount')).toBe('ubersicht_total_count')
  })

  it('returns an empty string for text with no letters or digits', () => {
    expect(snakeWords(' - / ')).toBe('')
  })
})

describe('physical names never collide with PostgreSQL system columns', () => {
  it('a header named after a system column gets a name of its own', () => {
    for (const header of ['ctid', 'XMIN', 'xmax', 'cmin', 'Cmax', 'tableoid'])
      expect(physicalName(header, 1)).toBe(`${header.toLowerCase()}_value`)
    expect(physicalNames(['ctid', 'ctid_value'])).toEqual(['ctid_value', 'ctid_value_2'])
  })
})
