import { describe, expect, it } from 'vitest'
import { columnIndex, columnLetters, parseCellRef, parseRange } from './cell-ref.js'

describe('cell references', () => {
  it('turns column letters into 1-based indexes and back', () => {
    for (const [letters, index] of [
      ['A', 1],
      ['Z', 26],
      ['AA', 27],
      ['AZ', 52],
      ['ZZ', 702],
      ['AAA', 703],
      ['XFD', 16384],
    ] as const) {
      expect(columnIndex(`${letters}12`)).toBe(index)
      expect(columnLetters(index)).toBe(letters)
    }
  })

  it('parses cell references, with or without $ anchors', () => {
    expect(parseCellRef('B7')).toEqual({ col: 2, row: 7 })
    expect(parseCellRef('$XFD$1048576')).toEqual({ col: 16384, row: 1048576 })
    expect(columnIndex('$C$3')).toBe(3)
  })

  it('parses ranges into inclusive bounds', () => {
    expect(parseRange('A1:C3')).toEqual({ top: 1, left: 1, bottom: 3, right: 3 })
    expect(parseRange('C3:A1')).toEqual({ top: 1, left: 1, bottom: 3, right: 3 })
    expect(parseRange('B2')).toEqual({ top: 2, left: 2, bottom: 2, right: 2 })
    expect(parseRange('A:A')).toBeUndefined()
  })
})
