export { CATALOG_FILE, type CatalogRow } from './catalog.js'
export { DATAPACKAGE_FILE, type DataPackage, sourceFiles } from './datapackage.js'
export {
  type ExportedSource,
  type ExportOptions,
  type ExportResult,
  exportAll,
  exportRunning,
} from './export-all.js'
export { SOURCE_METADATA_KEY } from './source-export.js'
