import { describe, expect, it } from 'vitest'
import type { Contract } from '../model/config.js'
import type { DriftClass } from '../model/drift.js'
import { applyContract } from './contract.js'

const changes = ['new column "participation" in "table_2" (header "Participation", integer)']

describe('applyContract', () => {
  const expected: Record<Contract, Record<DriftClass, 'load' | 'hold' | 'fail'>> = {
    hold: { none: 'load', cosmetic: 'load', additive: 'hold', breaking: 'hold' },
    evolve: { none: 'load', cosmetic: 'load', additive: 'load', breaking: 'hold' },
    freeze: { none: 'load', cosmetic: 'load', additive: 'fail', breaking: 'fail' },
  }
  for (const [contract, byClass] of Object.entries(expected) as [Contract, Record<DriftClass, string>][]) {
    for (const [driftClass, action] of Object.entries(byClass) as [DriftClass, string][]) {
      it(`${contract} × ${driftClass}: ${action}`, () => {
        expect(applyContract(contract, driftClass, driftClass === 'none' ? [] : changes).action).toBe(action)
      })
    }
  }

  it('hold says it waits for review of the canonical manifest, and what changed', () => {
    expect(applyContract('hold', 'additive', changes)).toEqual({
      action: 'hold',
      reason: `held for review of the canonical manifest (contract hold): ${changes[0]}`,
    })
  })

  it('evolve holds removals and renames with a reason that says they are never applied by themselves', () => {
    const missing = ['column "rate" missing from "table_2" (header was "Rate")']
    expect(applyContract('evolve', 'breaking', missing)).toEqual({
      action: 'hold',
      reason: `held for review: removals or renames are never applied by themselves: ${missing[0]}`,
    })
  })

  it('freeze fails with a message naming the change', () => {
    expect(applyContract('freeze', 'additive', changes)).toEqual({
      action: 'fail',
      reason: `the period differs from the frozen canonical manifest: ${changes[0]}`,
    })
  })

  it('a loaded period has no reason', () => {
    expect(applyContract('evolve', 'additive', changes)).toEqual({ action: 'load' })
    expect(applyContract('freeze', 'cosmetic', ['header of "a" in "b" now "A" (was "a")'])).toEqual({
      action: 'load',
    })
  })

  it('the reason lists the first five changes and counts the rest', () => {
    const many = Array.from({ length: 8 }, (_, i) => `change ${i + 1}`)
    const decision = applyContract('hold', 'breaking', many)
    expect(decision).toEqual({
      action: 'hold',
      reason:
        'held for review of the canonical manifest (contract hold): change 1; change 2; change 3; change 4; change 5; and 3 more',
    })
    const five = applyContract('freeze', 'breaking', many.slice(0, 5))
    expect(five).toEqual({
      action: 'fail',
      reason:
        'the period differs from the frozen canonical manifest: change 1; change 2; change 3; change 4; change 5',
    })
  })
})

describe('a new publication under freeze', () => {
  it('holds its first manifest for review instead of failing, since nothing is frozen yet', () => {
    const decision = applyContract('freeze', 'additive', ['first canonical manifest (1 sources)'], true)
    expect(decision.action).toBe('hold')
    expect(decision).toMatchObject({ reason: expect.stringContaining('nothing to freeze yet') })
  })
})
