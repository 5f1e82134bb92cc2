/** Streaming CSV reading: format detection and records with their physical line numbers. */

export type { CsvDelimiter, CsvEncoding, CsvFormat } from './format.js'
export { detectCsvFormat } from './format.js'
export type { CsvRecord } from './reader.js'
export { readCsvBatches, readCsvRecords } from './reader.js'
