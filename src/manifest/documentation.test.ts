import { describe, expect, it } from 'vitest'
import type { Documentation } from '../model/table.js'
import { definitionFor, definitionIndex, describeDocumentation } from './documentation.js'

const DOC: Documentation = {
  file: 'PCN Workforce Overall Definitions.xlsx',
  zip: 'pcn-workforce-march-2024.zip',
  sheet: 'Definitions',
  columns: { field: 'Name of Field', text: ['Description'] },
  definitions: [
    { field: 'PCN_CODE', text: 'Code of the Primary Care Network.' },
    { field: 'FTE', text: 'Full-time equivalent of the record.' },
    { field: 'Staff Group [1]', text: 'The broad staff group.' },
    { field: 'RETIRED_FIELD', text: 'A field of earlier editions.' },
  ],
}

describe('documentation matched to columns', () => {
  const index = definitionIndex([DOC])

  it('matches a definition to a column as the column matcher matches headers: case, spacing, punctuation, footnotes', () => {
    expect(definitionFor(index, { name: 'pcn_code', title: 'PCN Code' })).toEqual({
      text: 'Code of the Primary Care Network.',
      from: 'pcn-workforce-march-2024.zip/PCN Workforce Overall Definitions.xlsx, sheet "Definitions"',
    })
    expect(definitionFor(index, { name: 'staff_group', title: 'STAFF_GROUP' })?.text).toBe(
      'The broad staff group.',
    )
    // By physical name, and by a header the column had before.
    expect(definitionFor(index, { name: 'fte', title: 'Full time equivalent' })?.text).toContain('Full-time')
    expect(
      definitionFor(index, {
        name: 'pcn',
        title: 'Network code',
        headers: [{ text: 'PCN Code', since: '2020-03' }],
      })?.text,
    ).toBe('Code of the Primary Care Network.')
    expect(definitionFor(index, { name: 'region', title: 'Region' })).toBeUndefined()
  })

  it('says which columns of which sources a documentation table describes, and how many definitions name none', () => {
    const sources = [
      {
        key: 'staff_records',
        fields: [
          { name: 'pcn_code', title: 'PCN_CODE' },
          { name: 'fte', title: 'FTE' },
        ],
      },
      { key: 'summary', fields: [{ name: 'region', title: 'Region' }] },
    ]
    expect(describeDocumentation([DOC], sources)).toEqual([
      {
        file: DOC.file,
        zip: DOC.zip,
        sheet: 'Definitions',
        definitions: 4,
        describes: [{ source: 'staff_records', columns: ['pcn_code', 'fte'] }],
        unmatched: 2,
      },
    ])
  })
})
