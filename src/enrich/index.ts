export {
  type EnrichContext,
  type EnrichInput,
  type EnrichResult,
  type EnrichUsage,
  enrichManifest,
  NARROW_COLUMNS,
  takesPublisherText,
  withTextOf,
} from './enrich.js'
export {
  cleanHeader,
  type FieldText,
  footnoteNumbers,
  offlineFieldText,
  offlineSourceText,
  restatesTitle,
  roleOf,
  type SourceText,
  sentenceCase,
  unitFromLabel,
} from './offline.js'
