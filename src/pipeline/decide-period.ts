/** The pure decision for a drafted period: its match to the manifest, the contract's verdict, and the proposal. */
import type { LastLoad } from '../db/index.js'
import { applyContract, type ContractDecision, type Reconciliation, reconcile } from '../manifest/index.js'
import type { Publication } from '../model/config.js'
import type { CanonicalManifest, DraftManifest } from '../model/manifest.js'
import { type ManifestState, matchBase } from './period-context.js'

export interface PeriodDecision {
  /** What the period was matched to (see matchBase). */
  readonly base: CanonicalManifest | undefined
  /** The period matched to the base: the manifest and bindings a load uses. */
  readonly reconciled: Reconciliation
  readonly decision: ContractDecision
}

/** Matches a draft to the manifest the contract compares it with, and lets the contract decide. */
export function decidePeriod(
  publication: Publication,
  state: ManifestState,
  draft: DraftManifest,
): PeriodDecision {
  const base = matchBase(publication.contract, state)
  const reconciled = reconcile(publication, base, draft)
  const decision = applyContract(
    publication.contract,
    reconciled.driftClass,
    reconciled.changes,
    reconciled.drift.firstManifest,
  )
  return { base, reconciled, decision }
}

/**
 * The period matched to what the canonical file will say: the proposal collects every period's changes, loaded
 * or held. Usually that is the manifest the period was matched to: reconcile again only when it is not.
 */
export function proposalFor(
  publication: Publication,
  state: ManifestState,
  decided: PeriodDecision,
  draft: DraftManifest,
): Reconciliation {
  return state.proposed === decided.base ? decided.reconciled : reconcile(publication, state.proposed, draft)
}

/** What a dry run reports it would do with the period. */
export function plannedAction(decision: ContractDecision, last: LastLoad | undefined): string {
  if (decision.action !== 'load') return `would ${decision.action}: ${decision.reason}`
  return last ? `would reload (load ${last.loadId} used other files or fields)` : 'would load (never loaded)'
}
