/** The files a period writes: its drift reports (drift.json, drift.md) and the canonical manifest it proposes. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Reconciliation, renderDriftReport, writeCanonicalManifest } from '../manifest/index.js'
import type { CanonicalManifest } from '../model/manifest.js'
import type { PeriodOutcome } from './outcome.js'
import type { PeriodContext } from './period-context.js'

/** The period's working folder and the scope its events carry. */
export interface PeriodFolder {
  readonly dir: string
  readonly scope: { readonly publication: string; readonly period: string }
}

export type DriftFields = Pick<PeriodOutcome, 'manifestChanges' | 'drift' | 'driftReport'>

/** Logs the manifest changes and, with drift, writes drift.json and drift.md; returns the outcome's drift fields. */
export function reportDrift(ctx: PeriodContext, run: PeriodFolder, reconciled: Reconciliation): DriftFields {
  for (const change of reconciled.changes)
    ctx.log.emit({ ...run.scope, event: 'manifest.change', message: change })
  if (reconciled.driftClass === 'none') return { manifestChanges: reconciled.changes }
  const report = renderDriftReport(reconciled.drift)
  writeFileSync(join(run.dir, 'drift.json'), `${JSON.stringify(reconciled.drift, null, 2)}\n`)
  writeFileSync(join(run.dir, 'drift.md'), report)
  ctx.log.emit({
    ...run.scope,
    event: 'drift',
    drift_class: reconciled.driftClass,
    changes: reconciled.changes.length,
    message: report,
  })
  return { manifestChanges: reconciled.changes, drift: reconciled.drift, driftReport: report }
}

export function writeProposal(ctx: PeriodContext, run: PeriodFolder, manifest: CanonicalManifest): void {
  if (writeCanonicalManifest(ctx.manifestPath, manifest))
    ctx.log.emit({ ...run.scope, event: 'manifest.written', message: ctx.manifestPath })
}
