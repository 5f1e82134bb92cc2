/** Random access to the parts of a ZIP package, on yauzl: entries are listed once, each part streamed on demand. */
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'

export class ZipPackage {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** Entries by lower-cased name: OPC part names are case-insensitive. */
    private readonly entries: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  /** Opens a ZIP file and lists its entries. Rejects with yauzl's error when the file is not a ZIP. */
  static async open(path: string): Promise<ZipPackage> {
    const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false })
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
    return this.zip.openReadStreamPromise(entry)
  }

  close(): void {
    if (this.zip.isOpen) this.zip.close()
  }
}
