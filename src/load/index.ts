export {
  beginPeriodLoad,
  type LlmUsage,
  type LoadedFile,
  loadPeriod,
  type PendingLoad,
  type PeriodLoadResult,
  type PeriodTable,
  recordFailedLoad,
  recordHeldLoad,
  recordLoadText,
} from './load-period.js'
