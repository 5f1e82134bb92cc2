import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import yazl from 'yazl'
import { sniffFileKind } from './sniff.js'

let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'datawarp-sniff-'))
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

async function zipOf(entries: { name: string; data: string; compress?: boolean }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const e of entries) zip.addBuffer(Buffer.from(e.data), e.name, { compress: e.compress ?? true })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function sniff(fileName: string, content: Buffer | string): Promise<string> {
  const path = join(work, `${Math.random().toString(36).slice(2)}-${fileName}`)
  await writeFile(path, content)
  return sniffFileKind(path, fileName)
}

describe('sniffFileKind', () => {
  it('tells an XLSX by its xl/workbook.xml, whatever the extension', async () => {
    const xlsx = await zipOf([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'xl/workbook.xml', data: '<workbook/>' },
    ])
    expect(await sniff('report.xlsx', xlsx)).toBe('xlsx')
    expect(await sniff('download', xlsx)).toBe('xlsx')
  })

  it('tells an ODS by its mimetype member', async () => {
    const ods = await zipOf([
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', compress: false },
      { name: 'content.xml', data: '<office:document-content/>' },
    ])
    expect(await sniff('tables.ods', ods)).toBe('ods')
  })

  it('calls any other ZIP a zip', async () => {
    const zip = await zipOf([{ name: 'a.csv', data: 'x,y\n' }])
    expect(await sniff('bundle.xlsx', zip)).toBe('zip')
  })

  it('knows XLS and PDF by their magic bytes', async () => {
    expect(await sniff('old.csv', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toBe('xls')
    expect(await sniff('data.csv', '%PDF-1.7\n...')).toBe('pdf')
  })

  it('calls an HTML page html, even after a BOM and whitespace', async () => {
    expect(await sniff('data.xlsx', '\ufeff\n  <!DOCTYPE html>\n<html><body>Sign in</body></html>')).toBe(
      'html',
    )
    expect(await sniff('data.csv', '<HTML><head></head></HTML>')).toBe('html')
  })

  it('uses the extension for CSV and TXT, then falls back to the content', async () => {
    expect(await sniff('data.csv', 'a,b\n1,2\n')).toBe('csv')
    expect(await sniff('data.txt', 'a\tb\n1\t2\n')).toBe('csv')
    expect(await sniff('download', 'a,b\n1,2\n')).toBe('csv')
    expect(
      await sniff('utf16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')])),
    ).toBe('csv')
  })

  it('calls binary content and non-HTML markup unknown', async () => {
    expect(await sniff('blob.bin', Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10]))).toBe('unknown')
    expect(await sniff('sheet.xml', '<?xml version="1.0"?><Workbook/>')).toBe('unknown')
  })

  it('calls a truncated ZIP a zip rather than failing', async () => {
    expect(await sniff('cut.xlsx', Buffer.from('PK\u0003\u0004 truncated'))).toBe('zip')
  })
})
