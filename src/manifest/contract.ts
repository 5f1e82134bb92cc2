import type { Contract } from '../model/config.js'
import type { DriftClass } from '../model/drift.js'

export type ContractDecision =
  | { readonly action: 'load' }
  | { readonly action: 'hold'; readonly reason: string }
  | { readonly action: 'fail'; readonly reason: string }

/**
 * What a publication's contract does with a period's drift. Header texts written differently (cosmetic) never
 * stop a load. hold: any other change waits for review. evolve: additive changes load, removals and renames
 * wait for review. freeze: any other change fails the period.
 */
export function applyContract(
  contract: Contract,
  driftClass: DriftClass,
  changes: readonly string[],
  firstManifest = false,
): ContractDecision {
  if (driftClass === 'none' || driftClass === 'cosmetic') return { action: 'load' }
  if (firstManifest && contract === 'freeze') {
    // Nothing is frozen yet: the first manifest is proposed for review as under hold.
    return {
      action: 'hold',
      reason: 'held for review of the first canonical manifest (contract freeze has nothing to freeze yet)',
    }
  }
  const list = `${changes.slice(0, 5).join('; ')}${changes.length > 5 ? `; and ${changes.length - 5} more` : ''}`
  switch (contract) {
    case 'hold':
      return { action: 'hold', reason: `held for review of the canonical manifest (contract hold): ${list}` }
    case 'evolve':
      return driftClass === 'additive'
        ? { action: 'load' }
        : {
            action: 'hold',
            reason: `held for review: removals or renames are never applied by themselves: ${list}`,
          }
    case 'freeze':
      return { action: 'fail', reason: `the period differs from the frozen canonical manifest: ${list}` }
  }
}
