/** A1-style cell references: "A1", "XFD1048576", "$B$7". Columns and rows are 1-based. */

export interface CellRef {
  /** 1-based column (A = 1), or 0 when the reference has no column letters. */
  col: number
  /** 1-based row, or 0 when the reference has no row digits. */
  row: number
}

/** Parses "B7" (also "$B$7", "b7") without allocating substrings. Returns col/row 0 for missing parts. */
export function parseCellRef(ref: string): CellRef {
  let col = 0
  let row = 0
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i)
    if (code >= 65 && code <= 90) col = col * 26 + (code - 64)
    else if (code >= 97 && code <= 122) col = col * 26 + (code - 96)
    else if (code >= 48 && code <= 57) row = row * 10 + (code - 48)
  }
  return { col, row }
}

/** The 1-based column of the letters in a reference ("A1" → 1, "XFD" → 16384); 0 if none. */
export function columnIndex(ref: string): number {
  let col = 0
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i)
    if (code >= 65 && code <= 90) col = col * 26 + (code - 64)
    else if (code >= 97 && code <= 122) col = col * 26 + (code - 96)
    else if (code !== 36) break
  }
  return col
}

/** The 1-based row number in a reference ("B7" → 7); 0 if none. */
export function rowIndex(ref: string): number {
  let row = 0
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i)
    if (code >= 48 && code <= 57) row = row * 10 + (code - 48)
  }
  return row
}

/** 1 → "A", 28 → "AB", 16384 → "XFD". */
export function columnLetters(col: number): string {
  let letters = ''
  let n = col
  while (n > 0) {
    const rem = (n - 1) % 26
    letters = String.fromCharCode(65 + rem) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}

export interface CellRange {
  top: number
  left: number
  bottom: number
  right: number
}

/** Parses "A1:C3" (or a single cell "B2") into 1-based inclusive bounds; undefined if malformed. */
export function parseRange(ref: string): CellRange | undefined {
  const colon = ref.indexOf(':')
  const a = parseCellRef(colon < 0 ? ref : ref.slice(0, colon))
  const b = colon < 0 ? a : parseCellRef(ref.slice(colon + 1))
  if (a.col === 0 || a.row === 0 || b.col === 0 || b.row === 0) return undefined
  return {
    top: Math.min(a.row, b.row),
    left: Math.min(a.col, b.col),
    bottom: Math.max(a.row, b.row),
    right: Math.max(a.col, b.col),
  }
}
