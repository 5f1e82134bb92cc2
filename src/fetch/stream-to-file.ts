import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface Written {
  bytes: number
  sha256: string
}

/**
 * Watches bytes going past: hashes them, counts them, and lets `check` stop the stream
 * (by returning an Error) before a chunk is passed on.
 */
export class CountingHasher extends Transform {
  bytes = 0
  private readonly hash = createHash('sha256')

  constructor(private readonly check: (bytesSoFar: number) => Error | undefined) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    const problem = this.check(this.bytes)
    if (problem) {
      callback(problem)
      return
    }
    this.hash.update(chunk)
    callback(null, chunk)
  }

  digest(): string {
    return this.hash.digest('hex')
  }
}

/** Streams `source` into `path` through a CountingHasher; never holds the whole body in memory. */
export async function streamToFile(
  source: NodeJS.ReadableStream,
  path: string,
  check: (bytesSoFar: number) => Error | undefined,
): Promise<Written> {
  const hasher = new CountingHasher(check)
  await pipeline(source, hasher, createWriteStream(path))
  return { bytes: hasher.bytes, sha256: hasher.digest() }
}
