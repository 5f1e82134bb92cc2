export { CATALOG_FILE, type CatalogRow } from './catalog.js'
export {
  type ExportedSource,
  type ExportOptions,
  type ExportResult,
  exportAll,
  exportRunning,
} from './export-all.js'
export { SOURCE_METADATA_KEY } from './source-export.js'
