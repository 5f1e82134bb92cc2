/**
 * The one wrapper around yauzl: opening a ZIP (unpacking, sniffing), decoding member names, and random access
 * to the parts of a ZIP package (XLSX, ODS): entries are listed once, each part streamed on demand.
 */
import { pipeline, type Readable } from 'node:stream'
import { createInflateRaw, type ZlibOptions } from 'node:zlib'
import yauzl from 'yauzl'

/**
 * Inflating in big chunks, with a generous buffer the inflater can fill while the parser works, keeps
 * zlib's thread-pool round trips off the critical path (yauzl's own inflater uses 16 KiB chunks).
 */
const INFLATE_OPTIONS: ZlibOptions & { readableHighWaterMark: number } = {
  chunkSize: 128 * 1024,
  readableHighWaterMark: 1024 * 1024,
}

export type ZipFile = yauzl.ZipFile
export type ZipEntry = yauzl.Entry

/**
 * Opens a ZIP file lazily (entries read on demand) and without closing it on its own. With decodeStrings off a
 * hostile member name cannot abort the whole ZIP: read names with {@link entryName}.
 */
export function openZip(
  path: string,
  options: { decodeStrings?: boolean; strictFileNames?: boolean; validateEntrySizes?: boolean } = {},
): Promise<ZipFile> {
  return yauzl.openPromise(path, { lazyEntries: true, autoClose: false, ...options })
}

/** An entry's name when the ZIP was opened with decodeStrings: false, decoded as yauzl would. */
export function entryName(entry: ZipEntry): string {
  const raw = entry.fileName as unknown
  if (typeof raw === 'string') return raw
  return yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    raw as Buffer,
    entry.extraFields,
    false, // not strict: backslashes become '/'
  )
}

export class ZipPackage {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** Entries by lower-cased name: OPC part names are case-insensitive. */
    private readonly entries: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  /** Opens a ZIP file and lists its entries. Rejects with yauzl's error when the file is not a ZIP. */
  static async open(path: string): Promise<ZipPackage> {
    const zip = await openZip(path, { strictFileNames: false })
    try {
      const entries = new Map<string, yauzl.Entry>()
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName.toLowerCase(), entry)
      }
      return new ZipPackage(zip, entries)
    } catch (error) {
      zip.close()
      throw error
    }
  }

  /** The entry names, as stored. */
  names(): string[] {
    return [...this.entries.values()].map((entry) => entry.fileName)
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase())
  }

  /** A stream of the part's uncompressed bytes. The caller must consume or destroy it. */
  async openStream(name: string): Promise<Readable> {
    const entry = this.entries.get(name.toLowerCase())
    if (!entry) throw new Error(`no part named "${name}" in the package`)
    if (entry.compressionMethod !== 8 || entry.isEncrypted()) return this.zip.openReadStreamPromise(entry)
    const raw = await this.zip.openReadStreamPromise(entry, { decodeFileData: false })
    const inflate = createInflateRaw(INFLATE_OPTIONS)
    // Errors on either side destroy both; destroying the inflater (a consumer that stops early) does too.
    return pipeline(raw, inflate, () => {})
  }

  close(): void {
    if (this.zip.isOpen) this.zip.close()
  }
}
