export { type ExtractOptions, extractFile } from './extract-file.js'
export { LayoutChanged, mayMeanAnotherLayout } from './find-tables.js'
export { detectWide, unpivotTable } from './wide.js'
