import { describe, expect, it } from 'vitest'
import { columnsFromFields, descriptionSourceLabel, descriptionSourceText } from './columns.js'

describe('where a description came from', () => {
  it('is what the stored field says', () => {
    const [column] = columnsFromFields(
      [{ name: 'n', title: 'N', type: 'integer', description: 'Count', descriptionSource: 'publisher' }],
      ['2024-01'],
    )
    expect(column).toMatchObject({ description: 'Count', descriptionSource: 'publisher' })
  })

  it('is a reviewer when a description does not say (the manifest’s rule), and nothing without a description', () => {
    expect(descriptionSourceText('Written by hand', undefined)).toBe('reviewer')
    expect(descriptionSourceText(null, 'llm')).toBeNull()
    expect(descriptionSourceText('Text', 'made-up')).toBe('reviewer')
  })

  it('reads as words on a page', () => {
    expect(descriptionSourceLabel('publisher')).toBe('from the publication')
    expect(descriptionSourceLabel('derived')).toBe('derived by DataWarp')
    expect(descriptionSourceLabel(null)).toBe('')
  })
})
