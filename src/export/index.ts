export { CATALOG_FILE, type CatalogFile, type CatalogRow } from './catalog.js'
export { DATAPACKAGE_FILE, type DataPackage, sourceFiles } from './datapackage.js'
export {
  type ExportedSource,
  type ExportOptions,
  type ExportResult,
  exportAll,
  exportRunning,
} from './export-all.js'
export {
  EMPTY_SOURCE_FILE,
  type ExportedFile,
  type ExportFolderFile,
  exportedFilesOf,
  exportFilesUnder,
  exportFolderFiles,
  periodFileName,
  periodOfFileName,
  singleFileName,
  sourceFolder,
} from './export-layout.js'
export { SOURCE_METADATA_KEY } from './source-export.js'
