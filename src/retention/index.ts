/**
 * Retention (`datawarp cleanup`): event logs into monthly archives, finished run folders deleted, exports
 * trimmed to the catalog. `cleanupProject` is what `datawarp cleanup`, the end of `datawarp run` and the Action
 * call; the policy's numbers come from settings.retention in the config.
 */
export { type CleanupAfterRun, cleanupAfterRun } from './after-run.js'
export {
  ACTIVE_HOURS,
  type CleanupAction,
  type CleanupOptions,
  type CleanupReport,
  cleanupProject,
} from './cleanup.js'
export { formatCleanupReport } from './format.js'
export { appendToArchive, archivedRunIds } from './log-archive.js'
export { type RunCleanupOptions, runCleanup } from './run-cleanup.js'
export { humanBytes } from './sizes.js'
