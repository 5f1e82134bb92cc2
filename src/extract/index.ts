export { extractFile } from './extract-file.js'
export { detectWide, unpivotTable } from './wide.js'
