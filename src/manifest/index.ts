export {
  manifestHash,
  readCanonicalManifest,
  renderCanonicalManifest,
  writeCanonicalManifest,
} from './canonical.js'
export { applyContract, type ContractDecision } from './contract.js'
export { type Converter, converterFor } from './converters.js'
export {
  type DefinitionIndex,
  definitionFor,
  definitionIndex,
  describeDocumentation,
  type PublisherDefinition,
} from './documentation.js'
export { renderDriftReport } from './drift-report.js'
export { physicalName, physicalNames } from './physical-name.js'
export { draftKeys, profileTable, TableProfile } from './profile.js'
export { headerKey, type Reconciliation, reconcile, type SourceBinding } from './reconcile.js'
export { wantsUnpivot } from './unpivot.js'
export {
  digitsEnd,
  isoDateAt,
  MISSING_MARKERS,
  MissingValues,
  toSqlText,
  twoDigits,
  ValueError,
} from './values.js'
