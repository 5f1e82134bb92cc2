export { type Database, openDatabase, redactUrl } from './database.js'
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
  type LoadedFile,
  loadPeriod,
  type PeriodLoadResult,
  type PeriodTable,
  recordFailedLoad,
} from './load-period.js'
