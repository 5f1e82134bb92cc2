export { commentSources } from './comments.js'
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
export { refreshSourceText, type TextRefresh } from './source-text.js'
