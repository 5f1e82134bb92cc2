import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { claimUniquePath, contentDispositionFileName, fileNameFromUrl, safeFileName } from './file-name.js'

describe('contentDispositionFileName', () => {
  it('reads a quoted filename, with escapes and semicolons', () => {
    expect(contentDispositionFileName('attachment; filename="a \\"b\\"; c.csv"')).toBe('a "b"; c.csv')
  })

  it('reads an unquoted filename', () => {
    expect(contentDispositionFileName('attachment; filename=data.csv')).toBe('data.csv')
  })

  it("prefers filename*=UTF-8'' over filename, in either order", () => {
    const header = `attachment; filename*=UTF-8''Apr%E2%80%93Jun.csv; filename="Apr-Jun.csv"`
    expect(contentDispositionFileName(header)).toBe('Apr–Jun.csv')
  })

  it('decodes an ISO-8859-1 extended value', () => {
    expect(contentDispositionFileName("attachment; filename*=iso-8859-1'en'caf%E9.csv")).toBe('café.csv')
  })

  it('repairs raw UTF-8 sent in a plain filename', () => {
    const mojibake = Buffer.from('Apr–Jun.csv', 'utf8').toString('latin1')
    expect(contentDispositionFileName(`attachment; filename="${mojibake}"`)).toBe('Apr–Jun.csv')
  })

  it('returns undefined when there is no file name', () => {
    expect(contentDispositionFileName('inline')).toBeUndefined()
    expect(contentDispositionFileName(null)).toBeUndefined()
  })
})

describe('fileNameFromUrl', () => {
  it('decodes the last path segment', () => {
    expect(fileNameFromUrl(new URL('https://x.org/a/PCNW%20March%202025.xlsx?v=1'))).toBe(
      'PCNW March 2025.xlsx',
    )
  })

  it('returns undefined for a URL ending in a slash', () => {
    expect(fileNameFromUrl(new URL('https://x.org/files/'))).toBeUndefined()
  })

  it('keeps a malformed escape as it is', () => {
    expect(fileNameFromUrl(new URL('https://x.org/100%25%zz.csv'))).toBe('100%25%zz.csv')
  })
})

describe('safeFileName', () => {
  it('removes separators, parent references and control characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_._etc_passwd')
    expect(safeFileName('a\\b\u0000c\n.csv')).toBe('a_bc.csv')
    expect(safeFileName('..')).toBe('download')
    expect(safeFileName('', 'member')).toBe('member')
  })

  it('keeps ordinary punctuation and non-ASCII letters', () => {
    expect(safeFileName('PCN April–June 2025 (final).xlsx')).toBe('PCN April–June 2025 (final).xlsx')
  })

  it('shortens a very long name but keeps its extension', () => {
    const safe = safeFileName(`${'é'.repeat(300)}.xlsx`)
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200)
    expect(safe.endsWith('.xlsx')).toBe(true)
  })
})

describe('claimUniquePath', () => {
  it('never hands out the same path twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datawarp-names-'))
    try {
      const paths = await Promise.all([
        claimUniquePath(dir, 'r.csv', 'https://a/r.csv'),
        claimUniquePath(dir, 'r.csv', 'https://b/r.csv'),
        claimUniquePath(dir, 'r.csv', 'https://b/r.csv'),
      ])
      expect(new Set(paths).size).toBe(3)
      expect((await readdir(dir)).sort()).toEqual(paths.map((p) => basename(p)).sort())
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
