import type { ReadLimits } from './types.js'

/** The defaults of `datawarp mcp --max-rows / --max-bytes / --timeout-ms` (README and docs/mcp.md list them). */
export const DEFAULT_LIMITS: ReadLimits = {
  maxRows: 1_000,
  maxBytes: 1_048_576,
  timeoutMs: 15_000,
}

/** What a setting may be raised to: past these an answer is too big for any client to use. */
export const LIMIT_CEILINGS: ReadLimits = {
  maxRows: 100_000,
  maxBytes: 64 * 1_048_576,
  timeoutMs: 600_000,
}

export function resolveLimits(overrides: Partial<ReadLimits> = {}): ReadLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ReadLimits)[]) {
    const value = limits[key]
    if (!Number.isInteger(value) || value < 1 || value > LIMIT_CEILINGS[key]) {
      throw new Error(`${key} must be an integer from 1 to ${LIMIT_CEILINGS[key]}, got ${value}`)
    }
  }
  return limits
}
