/** `datawarp migrate`: a deployment of the old pipeline (period manifests, old config, state.json) → the new layout. */
export { consolidate, mapLegacyType } from './consolidate.js'
export { convertConfig, isFileUrl } from './convert-config.js'
export { legacyPeriod } from './legacy-period.js'
export {
  type MigrateOptions,
  MigrationError,
  type MigrationInput,
  type MigrationOutput,
  type MigrationReport,
  migrate,
} from './migrate.js'
export { formatMigrationReport } from './report.js'
