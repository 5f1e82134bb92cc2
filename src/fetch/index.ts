/** The fetch stage: downloads or copies each configured file, sniffs what it is, and unpacks ZIPs. */
export { fetchToFile, HttpStatusError } from './fetch-to-file.js'
export { type CachedPage, downloadKey, FetchSession, fetchOptionsOf, type LinkReader } from './session.js'
export { sniffFileKind } from './sniff.js'
export type {
  AttemptInfo,
  ConditionalRequest,
  FetchedFile,
  FetchOptions,
  FileKind,
  IgnoredMember,
  NotModified,
  UnpackedMember,
  UnpackedZip,
  ZipLimits,
} from './types.js'
export { DATA_KINDS } from './types.js'
export { DEFAULT_ZIP_MAX_ENTRIES, DEFAULT_ZIP_MAX_RATIO, defaultZipLimits, unpackZip } from './unpack-zip.js'
export { ZipPackage } from './zip-package.js'
