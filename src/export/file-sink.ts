import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { ByteWriter } from 'hyparquet-writer'

const FLUSH_BYTES = 4 * 1024 * 1024

/**
 * A hyparquet-writer `Writer` that streams to `<path>.tmp` and renames it onto `path` on commit(),
 * so readers see either the previous file or the complete new one, never half a file. Buffered
 * bytes go to disk every few MB and after every row group, so memory stays bounded.
 */
export class AtomicFileSink extends ByteWriter {
  readonly tmpPath: string
  private fd: number | undefined

  constructor(readonly path: string) {
    super(FLUSH_BYTES + 1024 * 1024)
    this.tmpPath = `${path}.tmp`
    this.fd = openSync(this.tmpPath, 'w')
  }

  override ensure(size: number): void {
    if (this.index > FLUSH_BYTES) this.flush()
    super.ensure(size)
  }

  flush(): void {
    if (this.fd === undefined) throw new Error(`${this.tmpPath} is already closed`)
    let written = 0
    const bytes = new Uint8Array(this.buffer, 0, this.index)
    while (written < bytes.length) written += writeSync(this.fd, bytes, written)
    this.index = 0
  }

  /** Called by ParquetWriter.finish(): writes what is left and closes the file. */
  override finish(): void {
    this.flush()
    closeSync(this.fd as number)
    this.fd = undefined
  }

  override getBuffer(): never {
    throw new Error('AtomicFileSink streams to disk; there is no buffer to get')
  }

  override getBytes(): never {
    throw new Error('AtomicFileSink streams to disk; there are no bytes to get')
  }

  /** Puts the finished file in place. */
  commit(): void {
    if (this.fd !== undefined) throw new Error(`${this.tmpPath} is still open`)
    renameSync(this.tmpPath, this.path)
  }

  /** Closes and deletes the temporary file after a failure; the previous file stays. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd)
      } catch {
        // already closed by a failed write; removing the file is what matters
      }
      this.fd = undefined
    }
    rmSync(this.tmpPath, { force: true })
  }
}
