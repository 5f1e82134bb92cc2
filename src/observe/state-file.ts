import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { PeriodStatus } from '../db/index.js'

/**
 * data/state/state.json: a readable mirror of the load ledger, rewritten from the database after each run.
 * The database stays the source of truth; this file is for people and tools without a connection.
 */
export function writeStateFile(
  path: string,
  ledger: readonly PeriodStatus[],
  generatedAt = new Date(),
): void {
  const publications: Record<string, { periods: Record<string, unknown> }> = {}
  for (const entry of ledger) {
    const { publication, period, ...rest } = entry
    publications[publication] ??= { periods: {} }
    publications[publication]!.periods[period] = rest
  }
  const state = { generated_at: generatedAt.toISOString(), source: 'datawarp.loads', publications }
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.tmp-${process.pid}`
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`)
  renameSync(temp, path)
}
