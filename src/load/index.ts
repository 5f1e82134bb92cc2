export { type Database, openDatabase, redactUrl } from './database.js'
export { ensureLedger } from './ledger-schema.js'
export {
  type LastLoad,
  type PeriodStatus,
  isUpToDate,
  lastSuccessfulLoad,
  ledgerStatus,
  recordRunEnd,
  recordRunStart,
} from './ledger.js'
export { type LoadedFile, type PeriodLoadResult, type PeriodTable, loadPeriod, recordFailedLoad } from './load-period.js'
