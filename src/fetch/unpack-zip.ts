import { mkdir, rm } from 'node:fs/promises'
import { basename, dirname, extname, isAbsolute, join, relative } from 'node:path'
import { DataWarpError } from '../model/table.js'
import { claimUniquePath, safeFileName } from './file-name.js'
import { sniffFileKind } from './sniff.js'
import { streamToFile } from './stream-to-file.js'
import {
  DATA_KINDS,
  type FetchedFile,
  type IgnoredMember,
  type UnpackedMember,
  type UnpackedZip,
  type ZipLimits,
} from './types.js'
import { entryName, openZip, type ZipEntry, type ZipFile } from './zip-package.js'

export const DEFAULT_ZIP_MAX_ENTRIES = 10_000
export const DEFAULT_ZIP_MAX_RATIO = 200
/** The compression ratio is only judged for members larger than this (small files compress very well). */
const RATIO_CHECK_FROM_BYTES = 10 * 1024 * 1024

/** Limits for unpackZip: the total from the fetch settings' max_bytes, the rest fixed defaults. */
export function defaultZipLimits(maxTotalBytes: number): ZipLimits {
  return { maxTotalBytes, maxEntries: DEFAULT_ZIP_MAX_ENTRIES, maxRatio: DEFAULT_ZIP_MAX_RATIO }
}

/** Extensions that are never tables, skipped without inflating them. */
const NOT_DATA_EXTENSIONS = new Set([
  'pdf',
  'doc',
  'docx',
  'rtf',
  'odt',
  'ppt',
  'pptx',
  'odp',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'bmp',
  'svg',
  'tif',
  'tiff',
  'webp',
  'htm',
  'html',
  'md',
  'xml',
  'json',
  'msg',
  'eml',
  'exe',
  'dll',
  'ini',
  'db',
])

const SYSTEM_FILES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini'])

/**
 * Extracts the data members (CSV, XLSX, ODS, XLS) of a ZIP into a folder of their own under destDir,
 * and lists everything else as ignored with a reason. Guards against zip-slip, zip bombs and oversized or
 * overfull archives; on any error nothing of this ZIP is left in destDir.
 */
export async function unpackZip(zip: FetchedFile, destDir: string, limits: ZipLimits): Promise<UnpackedZip> {
  const label = `ZIP ${zip.fileName}`
  const fail = (message: string, member?: string): DataWarpError =>
    new DataWarpError(
      member === undefined ? `${label}: ${message}` : `${label}, member "${member}": ${message}`,
      {
        file: member ?? zip.fileName,
      },
    )

  let zipFile: ZipFile
  try {
    // decodeStrings is off only so that a "../" or absolute member name does not abort the whole ZIP:
    // names are decoded exactly as yauzl does (entryName) and made safe before anything is written.
    zipFile = await openZip(zip.path, { decodeStrings: false, validateEntrySizes: true })
  } catch (error) {
    throw fail(`cannot open: ${(error as Error).message}`)
  }

  let outDir: string | undefined
  try {
    if (zipFile.entryCount > limits.maxEntries) {
      throw fail(`has ${zipFile.entryCount} entries, more than the limit of ${limits.maxEntries}`)
    }

    // Pass 1: the central directory only. Decide what to extract and check the declared sizes.
    const ignored: IgnoredMember[] = []
    const toExtract: { entry: ZipEntry; name: string }[] = []
    let declaredTotal = 0
    try {
      for await (const entry of zipFile.eachEntry()) {
        const name = entryName(entry)
        const skip = isSymlink(entry) ? 'symbolic link' : skipReason(name)
        if (skip) {
          ignored.push({ name, reason: skip })
          continue
        }
        if (entry.isEncrypted()) throw fail('is encrypted; DataWarp cannot read encrypted ZIP members', name)
        if (
          entry.uncompressedSize > RATIO_CHECK_FROM_BYTES &&
          entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio
        ) {
          throw fail(
            `declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed, a ratio over ` +
              `${limits.maxRatio} (possible zip bomb)`,
            name,
          )
        }
        declaredTotal += entry.uncompressedSize
        if (declaredTotal > limits.maxTotalBytes) {
          throw fail(
            `its members add up to more than the limit of ${limits.maxTotalBytes} bytes uncompressed`,
          )
        }
        toExtract.push({ entry, name })
      }
    } catch (error) {
      if (error instanceof DataWarpError) throw error
      throw fail(`cannot read the directory: ${(error as Error).message}`)
    }

    // Pass 2: inflate, counting the real bytes.
    outDir = await makeOwnFolder(destDir, zipFolderName(zip))
    const members: UnpackedMember[] = []
    let actualTotal = 0
    for (const { entry, name } of toExtract) {
      const path = await claimMemberPath(outDir, name)
      let written: { bytes: number; sha256: string }
      try {
        const stream = await zipFile.openReadStreamPromise(entry)
        written = await streamToFile(stream, path, (bytes) => {
          if (bytes > entry.uncompressedSize) {
            return fail(
              `inflates to more than its declared ${entry.uncompressedSize} bytes (possible zip bomb)`,
              name,
            )
          }
          if (actualTotal + bytes > limits.maxTotalBytes) {
            return fail(`unpacks to more than the limit of ${limits.maxTotalBytes} bytes`)
          }
          if (bytes > RATIO_CHECK_FROM_BYTES && bytes / Math.max(1, entry.compressedSize) > limits.maxRatio) {
            return fail(`inflates at a ratio over ${limits.maxRatio} (possible zip bomb)`, name)
          }
          return undefined
        })
      } catch (error) {
        if (error instanceof DataWarpError) throw error
        throw fail(describeInflateError(error as Error, entry), name)
      }
      actualTotal += written.bytes

      const kind = await sniffFileKind(path, basename(path))
      if (kind === 'zip') {
        await rm(path, { force: true })
        ignored.push({ name, reason: 'nested ZIP not unpacked' })
      } else if (!DATA_KINDS.has(kind)) {
        await rm(path, { force: true })
        ignored.push({ name, reason: `not a data file (${kind})` })
      } else {
        members.push({ zip: zip.fileName, name, path, bytes: written.bytes, sha256: written.sha256, kind })
      }
    }
    return { members, ignored }
  } catch (error) {
    if (outDir) await rm(outDir, { recursive: true, force: true })
    if (error instanceof DataWarpError) throw error
    throw fail((error as Error).message)
  } finally {
    zipFile.close()
  }
}

/** Unix mode bits in the high half of the external attributes say S_IFLNK. */
function isSymlink(entry: ZipEntry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000
}

/** Why a member is not extracted at all, judged by its name; undefined when it may be data. */
function skipReason(name: string): string | undefined {
  if (name.endsWith('/')) return 'folder'
  const segments = name.split('/')
  const base = (segments[segments.length - 1] ?? '').toLowerCase()
  if (segments.includes('__MACOSX') || SYSTEM_FILES.has(base) || base.startsWith('._')) {
    return 'operating system metadata'
  }
  const ext = extname(base).slice(1)
  if (ext === 'zip') return 'nested ZIP not unpacked'
  if (NOT_DATA_EXTENSIONS.has(ext)) return `not a data file (${ext === 'htm' ? 'html' : ext})`
  return undefined
}

function zipFolderName(zip: FetchedFile): string {
  const base = basename(zip.path)
  const ext = extname(base)
  return safeFileName(ext ? base.slice(0, -ext.length) : base, 'zip')
}

/** Creates destDir/name, or destDir/name-2, … when a folder of that name exists already. */
async function makeOwnFolder(destDir: string, name: string): Promise<string> {
  await mkdir(destDir, { recursive: true })
  for (let n = 1; n < 10_000; n++) {
    const path = join(destDir, n === 1 ? name : `${name}-${n}`)
    try {
      await mkdir(path)
      return path
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  throw new Error(`no free folder name for ${name} in ${destDir}`)
}

/**
 * A path for the member inside `outDir`, whatever its name says: "..", ".", empty segments and drive
 * letters are dropped and every segment made safe, so "../../evil.csv" becomes outDir/evil.csv.
 */
async function claimMemberPath(outDir: string, name: string): Promise<string> {
  const segments = name
    .split('/')
    .filter((segment, i) => !(i === 0 && /^[a-zA-Z]:$/.test(segment)))
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .map((segment) => safeFileName(segment, '_'))
  const fileName = segments.pop() ?? 'member'
  const folder = join(outDir, ...segments)
  const inside = relative(outDir, folder)
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`unsafe member path ${name}`)
  await mkdir(folder, { recursive: true })
  const path = await claimUniquePath(folder, fileName, name)
  if (relative(outDir, dirname(path)).startsWith('..')) throw new Error(`unsafe member path ${name}`)
  return path
}

function describeInflateError(error: Error, entry: ZipEntry): string {
  const message = error.message
  if (/too many bytes in the stream/.test(message)) {
    return `inflates to more than its declared ${entry.uncompressedSize} bytes (possible zip bomb)`
  }
  if (/not enough bytes in the stream/.test(message)) return `is truncated or corrupt (${message})`
  if (/compression method/i.test(message)) return `uses an unsupported compression method (${message})`
  return `cannot be inflated: ${message}`
}
