import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { decodeWindows1252 } from './windows-1252.js'

describe('decodeWindows1252', () => {
  it('decodes every defined byte as iconv-lite does', () => {
    const undefinedBytes = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d])
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i).filter((b) => !undefinedBytes.has(b))
    expect(decodeWindows1252(bytes)).toBe(iconv.decode(Buffer.from(bytes), 'windows-1252'))
  })

  it('decodes the en dash, pound sign and euro sign NHS files use', () => {
    expect(decodeWindows1252(Uint8Array.from([0x96, 0x20, 0xa3, 0x80]))).toBe('– £€')
  })

  it('keeps the five undefined bytes as the C1 controls of the same number instead of losing them', () => {
    expect(decodeWindows1252(Uint8Array.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]))).toBe(
      '\u0081\u008d\u008f\u0090\u009d',
    )
  })

  it('decodes a view into a larger buffer without reading outside it', () => {
    const buffer = Buffer.from([0x41, 0x96, 0x42, 0x43])
    expect(decodeWindows1252(buffer.subarray(1, 3))).toBe('–B')
  })
})
