/** The fetch stage's public shapes: what a download or an unpacked ZIP member hands to the extract stage. */

import type { FileKind } from '../model/table.js'

export type { FileKind }

/** The kinds the extract stage can read as tables. */
export const DATA_KINDS: ReadonlySet<FileKind> = new Set<FileKind>(['csv', 'xlsx', 'ods', 'xls'])

export interface AttemptInfo {
  url: string
  /** 1-based. */
  attempt: number
  /** Why the attempt failed, when it did. */
  error?: string
  /** The HTTP status, when a response arrived. */
  status?: number
}

export interface FetchOptions {
  /** Per attempt, headers AND body: a slow or stalled body times out too. */
  timeoutMs: number
  /** Extra attempts after the first, on 5xx, 429, network errors and timeouts. */
  retries: number
  /** Largest body accepted; a larger one (or a larger Content-Length) fails the fetch. */
  maxBytes: number
  /** Plain relative paths are resolved against it. */
  baseDir: string
  /** First backoff delay (default 500 ms), doubled each retry, with jitter. */
  backoffMs?: number
  /** Called once per attempt, after it finished (successfully or not). */
  onAttempt?: (info: AttemptInfo) => void
  /**
   * When given, every request -- the first and each redirect hop -- must go to one of these hosts (host[:port],
   * lower case); a hop to another host is refused before it is sent.
   */
  allowedHosts?: readonly string[]
  /**
   * When given, a local file (a path or a file:// URL) must lie inside one of these folders once symbolic links
   * are resolved: the project root and the folders `settings.allowed_folders` adds.
   */
  localRoots?: readonly string[]
}

/** Validators of an earlier response, sent as If-None-Match / If-Modified-Since. */
export interface ConditionalRequest {
  etag?: string
  lastModified?: string
}

/** A conditional request answered 304 Not Modified: the file is as it was and nothing was downloaded. */
export interface NotModified {
  url: string
  notModified: true
  etag?: string
  lastModified?: string
}

export interface FetchedFile {
  /** As given. */
  url: string
  /** The local file written under destDir. */
  path: string
  /**
   * The decoded file name: from Content-Disposition, else the URL path's last segment, made safe.
   * Two fetches may share a fileName; their `path`s always differ.
   */
  fileName: string
  bytes: number
  /** Hex SHA-256 of the bytes, computed while streaming. */
  sha256: string
  contentType?: string
  kind: FileKind
  /** Every URL requested, the first and each redirect hop, in order (HTTP only). */
  hops?: string[]
  /** The response's ETag and Last-Modified, for a later conditional request (when sent; a local file's ETag is its stat). */
  etag?: string
  lastModified?: string
}

export interface ZipLimits {
  /** Largest total of bytes unpacked from one ZIP. */
  maxTotalBytes: number
  maxEntries: number
  /** Largest uncompressed/compressed ratio of one member (checked once it is over 10 MB). */
  maxRatio: number
}

export interface UnpackedMember {
  /** The ZIP's fileName. */
  zip: string
  /** The member's path inside the ZIP, '/' separated, as the ZIP names it. */
  name: string
  /** Where it was written. */
  path: string
  bytes: number
  sha256: string
  kind: FileKind
}

export interface IgnoredMember {
  name: string
  reason: string
}

export interface UnpackedZip {
  members: UnpackedMember[]
  ignored: IgnoredMember[]
}
