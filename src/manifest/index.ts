export {
  manifestHash,
  readCanonicalManifest,
  renderCanonicalManifest,
  writeCanonicalManifest,
} from './canonical.js'
export { type Converter, converterFor } from './converters.js'
export { physicalName, physicalNames } from './physical-name.js'
export { draftKeys, profileTable } from './profile.js'
export { type Reconciliation, reconcile, type SourceBinding } from './reconcile.js'
export { toSqlText, ValueError } from './values.js'
