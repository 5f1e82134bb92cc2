import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import yazl from 'yazl'
import { DataWarpError } from '../model/table.js'
import type { FetchedFile, ZipLimits } from './types.js'
import { unpackZip } from './unpack-zip.js'

interface ZipEntry {
  name: string
  data?: Buffer | string
  directory?: boolean
  compress?: boolean
}

async function buildZip(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name)
    else zip.addBuffer(Buffer.from(entry.data ?? ''), entry.name, { compress: entry.compress ?? true })
  }
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Any small bytes, as long as the container has a real xl/workbook.xml. */
function fakeXlsx(): Promise<Buffer> {
  return buildZip([
    { name: '[Content_Types].xml', data: '<Types/>' },
    { name: 'xl/workbook.xml', data: '<workbook/>' },
  ])
}

/** yazl refuses unsafe names, so write a same-length placeholder and patch the bytes afterwards. */
function renameInZip(zip: Buffer, placeholder: string, name: string): Buffer {
  expect(Buffer.byteLength(placeholder)).toBe(Buffer.byteLength(name))
  const from = Buffer.from(placeholder)
  const to = Buffer.from(name)
  const out = Buffer.from(zip)
  let at = out.indexOf(from)
  expect(at).toBeGreaterThanOrEqual(0)
  while (at >= 0) {
    to.copy(out, at)
    at = out.indexOf(from, at + 1)
  }
  return out
}

/** Offsets of the central directory headers, in entry order. */
function centralHeaders(zip: Buffer): number[] {
  const offsets: number[] = []
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02])
  for (let at = zip.indexOf(signature); at >= 0; at = zip.indexOf(signature, at + 4)) offsets.push(at)
  return offsets
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

let work: string
let dest: string

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'datawarp-unzip-'))
  dest = join(work, 'unpacked')
})

afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

const LIMITS: ZipLimits = { maxTotalBytes: 1024 ** 3, maxEntries: 10_000, maxRatio: 200 }

async function zipFile(bytes: Buffer, fileName = 'Release March 2025.zip'): Promise<FetchedFile> {
  const path = join(work, fileName)
  await writeFile(path, bytes)
  return {
    url: `https://example.org/${fileName}`,
    path,
    fileName,
    bytes: bytes.length,
    sha256: sha256(bytes),
    kind: 'zip',
  }
}

async function failure(promise: Promise<unknown>): Promise<DataWarpError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(DataWarpError)
    return error as DataWarpError
  }
  throw new Error('expected unpacking to fail')
}

/** Every file under a folder, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true })
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort()
  } catch {
    return []
  }
}

const CSV = 'code,count\nA,1\n'

describe('unpackZip', () => {
  it('extracts the CSV and XLSX members and ignores the PDF with a reason', async () => {
    const xlsx = await fakeXlsx()
    const zip = await zipFile(
      await buildZip([
        { name: 'data/GP practices.csv', data: CSV },
        { name: 'data/Summary.xlsx', data: xlsx },
        { name: 'Guidance.pdf', data: '%PDF-1.4 guidance' },
      ]),
    )
    const result = await unpackZip(zip, dest, LIMITS)
    expect(result.members).toEqual([
      {
        zip: 'Release March 2025.zip',
        name: 'data/GP practices.csv',
        path: join(dest, 'Release March 2025', 'data', 'GP practices.csv'),
        bytes: Buffer.byteLength(CSV),
        sha256: sha256(CSV),
        kind: 'csv',
      },
      {
        zip: 'Release March 2025.zip',
        name: 'data/Summary.xlsx',
        path: join(dest, 'Release March 2025', 'data', 'Summary.xlsx'),
        bytes: xlsx.length,
        sha256: sha256(xlsx),
        kind: 'xlsx',
      },
    ])
    expect(result.ignored).toEqual([{ name: 'Guidance.pdf', reason: 'not a data file (pdf)' }])
    expect(await readFile(result.members[0]!.path, 'utf8')).toBe(CSV)
    expect(await filesUnder(dest)).toEqual([
      join('Release March 2025', 'data', 'GP practices.csv'),
      join('Release March 2025', 'data', 'Summary.xlsx'),
    ])
  })

  it('ignores folders and macOS metadata', async () => {
    const zip = await zipFile(
      await buildZip([
        { name: 'data/', directory: true },
        { name: 'data/a.csv', data: CSV },
        { name: '__MACOSX/data/._a.csv', data: 'junk' },
        { name: 'data/.DS_Store', data: 'junk' },
      ]),
    )
    const result = await unpackZip(zip, dest, LIMITS)
    expect(result.members.map((m) => m.name)).toEqual(['data/a.csv'])
    expect(result.ignored).toEqual([
      { name: 'data/', reason: 'folder' },
      { name: '__MACOSX/data/._a.csv', reason: 'operating system metadata' },
      { name: 'data/.DS_Store', reason: 'operating system metadata' },
    ])
  })

  it('ignores a symbolic link member', async () => {
    const zip = new yazl.ZipFile()
    zip.addBuffer(Buffer.from('/etc/passwd'), 'link.csv', { mode: 0o120777 })
    zip.addBuffer(Buffer.from(CSV), 'real.csv')
    zip.end()
    const chunks: Buffer[] = []
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
    const result = await unpackZip(await zipFile(Buffer.concat(chunks)), dest, LIMITS)
    expect(result.members.map((m) => m.name)).toEqual(['real.csv'])
    expect(result.ignored).toEqual([{ name: 'link.csv', reason: 'symbolic link' }])
  })

  it('judges members by their content, not only their name', async () => {
    const zip = await zipFile(
      await buildZip([
        { name: 'looks like data.csv', data: '%PDF-1.7 not really a CSV' },
        { name: 'old.xls', data: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]) },
      ]),
    )
    const result = await unpackZip(zip, dest, LIMITS)
    expect(result.members.map((m) => [m.name, m.kind])).toEqual([['old.xls', 'xls']])
    expect(result.ignored).toEqual([{ name: 'looks like data.csv', reason: 'not a data file (pdf)' }])
    expect(await filesUnder(dest)).toEqual([join('Release March 2025', 'old.xls')])
  })

  it('writes a ../../evil.csv member inside destDir, keeping its name for reporting', async () => {
    const built = await buildZip([
      { name: 'XXXXXXevil.csv', data: CSV },
      { name: 'Xtmp/abs.csv', data: CSV },
    ])
    const zip = await zipFile(
      renameInZip(renameInZip(built, 'XXXXXXevil.csv', '../../evil.csv'), 'Xtmp/abs.csv', '/tmp/abs.csv'),
    )
    const result = await unpackZip(zip, dest, LIMITS)
    expect(result.members.map((m) => m.name)).toEqual(['../../evil.csv', '/tmp/abs.csv'])
    for (const member of result.members) {
      expect(relative(dest, member.path).startsWith('..')).toBe(false)
    }
    expect(result.members[0]!.path).toBe(join(dest, 'Release March 2025', 'evil.csv'))
    expect(result.members[1]!.path).toBe(join(dest, 'Release March 2025', 'tmp', 'abs.csv'))
    expect(await readdir(work)).toEqual(expect.not.arrayContaining(['evil.csv']))
  })

  it('ignores a nested ZIP with a reason', async () => {
    const inner = await buildZip([{ name: 'inner.csv', data: CSV }])
    const zip = await zipFile(
      await buildZip([
        { name: 'outer.csv', data: CSV },
        { name: 'more/inner.zip', data: inner },
        { name: 'disguised.csv', data: inner },
      ]),
    )
    const result = await unpackZip(zip, dest, LIMITS)
    expect(result.members.map((m) => m.name)).toEqual(['outer.csv'])
    expect(result.ignored).toEqual([
      { name: 'more/inner.zip', reason: 'nested ZIP not unpacked' },
      { name: 'disguised.csv', reason: 'nested ZIP not unpacked' },
    ])
  })

  it('rejects a 50 MB member of zeros as a zip bomb (ratio over 200)', async () => {
    const zip = await zipFile(
      await buildZip([
        { name: 'ok.csv', data: CSV },
        { name: 'zeros.csv', data: Buffer.alloc(50 * 1024 * 1024) },
      ]),
    )
    const error = await failure(unpackZip(zip, dest, LIMITS))
    expect(error.message).toMatch(
      /^ZIP Release March 2025\.zip, member "zeros\.csv": declares 52428800 bytes from \d+ compressed, a ratio over 200 \(possible zip bomb\)$/,
    )
    expect(await filesUnder(dest)).toEqual([])
  })

  it('rejects a member that inflates to more than its declared size', async () => {
    const built = await buildZip([{ name: 'liar.csv', data: 'x'.repeat(5000) }])
    const [header] = centralHeaders(built)
    built.writeUInt32LE(100, header! + 24) // declared uncompressed size
    const zip = await zipFile(built)
    const error = await failure(unpackZip(zip, dest, LIMITS))
    expect(error.message).toBe(
      'ZIP Release March 2025.zip, member "liar.csv": inflates to more than its declared 100 bytes (possible zip bomb)',
    )
    expect(await filesUnder(dest)).toEqual([])
  })

  it('rejects a ZIP with more entries than allowed', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.csv`, data: CSV }))
    const zip = await zipFile(await buildZip(entries))
    const error = await failure(unpackZip(zip, dest, { ...LIMITS, maxEntries: 5 }))
    expect(error.message).toBe('ZIP Release March 2025.zip: has 6 entries, more than the limit of 5')
  })

  it('rejects a ZIP whose members add up to more than maxTotalBytes', async () => {
    const zip = await zipFile(
      await buildZip([
        { name: 'a.csv', data: 'a'.repeat(600) },
        { name: 'b.csv', data: 'b'.repeat(600) },
      ]),
    )
    const error = await failure(unpackZip(zip, dest, { ...LIMITS, maxTotalBytes: 1000 }))
    expect(error.message).toBe(
      'ZIP Release March 2025.zip: its members add up to more than the limit of 1000 bytes uncompressed',
    )
    expect(await filesUnder(dest)).toEqual([])
  })

  it('rejects an encrypted member, naming it', async () => {
    const built = await buildZip([{ name: 'secret.csv', data: CSV }])
    const [header] = centralHeaders(built)
    built.writeUInt16LE(built.readUInt16LE(header! + 8) | 1, header! + 8) // general purpose flag: encrypted
    const zip = await zipFile(built)
    const error = await failure(unpackZip(zip, dest, LIMITS))
    expect(error.message).toBe(
      'ZIP Release March 2025.zip, member "secret.csv": is encrypted; DataWarp cannot read encrypted ZIP members',
    )
  })

  it('reports a file that is not a ZIP', async () => {
    const zip = await zipFile(Buffer.from('this is not a zip at all'), 'broken.zip')
    const error = await failure(unpackZip(zip, dest, LIMITS))
    expect(error.message).toMatch(/^ZIP broken\.zip: cannot open: /)
  })

  it('gives two ZIPs with the same name folders of their own', async () => {
    const first = await unpackZip(
      await zipFile(await buildZip([{ name: 'a.csv', data: 'one\n' }])),
      dest,
      LIMITS,
    )
    const second = await unpackZip(
      await zipFile(await buildZip([{ name: 'a.csv', data: 'two\n' }])),
      dest,
      LIMITS,
    )
    expect(second.members[0]!.path).not.toBe(first.members[0]!.path)
    expect(await readFile(first.members[0]!.path, 'utf8')).toBe('one\n')
    expect(await readFile(second.members[0]!.path, 'utf8')).toBe('two\n')
  })
})
