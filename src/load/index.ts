export { type Database, openDatabase, redactUrl } from './database.js'
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
export { ensureLedger } from './ledger-schema.js'
export {
  beginPeriodLoad,
  type LoadedFile,
  loadPeriod,
  type PendingLoad,
  type PeriodLoadResult,
  type PeriodTable,
  recordFailedLoad,
  recordHeldLoad,
} from './load-period.js'
export { withPublicationLock } from './publication-lock.js'
export { quoteIdent, quoteLiteral } from './sql-types.js'
