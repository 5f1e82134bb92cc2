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
