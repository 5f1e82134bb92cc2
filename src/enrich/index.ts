export {
  type EnrichContext,
  type EnrichInput,
  type EnrichResult,
  type EnrichUsage,
  enrichManifest,
  NARROW_COLUMNS,
  withTextOf,
} from './enrich.js'
export {
  cleanHeader,
  type FieldText,
  footnoteNumbers,
  offlineFieldText,
  offlineSourceText,
  roleOf,
  type SourceText,
  unitFromLabel,
} from './offline.js'
