/**
 * The database layer every stage may use: the connection (a URL or the embedded server), the ledger and its
 * schema, the HTTP and LLM caches, the publication lock, and SQL types and quoting.
 */
export {
  type Database,
  inClientTransaction,
  inTransaction,
  openDatabase,
  redactUrl,
  startEmbedded,
} from './database.js'
export { type CachedResponse, readHttpCache, touchHttpCache, writeHttpCache } from './http-cache.js'
export {
  isUpToDate,
  type LastLoad,
  lastSuccessfulLoad,
  ledgerStatus,
  type PeriodStatus,
  recordRunEnd,
  recordRunStart,
} from './ledger.js'
export { ensureLedger, LEDGER_SCHEMA_VERSION, openWithLedger } from './ledger-schema.js'
export { readLlmCache, writeLlmCache } from './llm-cache.js'
export { lockPublicationLoad, withPublicationLock } from './publication-lock.js'
export { LINEAGE_COLUMNS, quoteIdent, quoteLiteral, SQL_TYPE } from './sql-types.js'
