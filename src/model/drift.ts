import type { FieldType } from './manifest.js'

/**
 * How a period's draft differs from the canonical manifest. Each change is recorded with what the publication
 * wrote, so a reviewer can judge it; `classifyDrift` says what kind of change it is.
 */
export type ColumnMatchMethod = 'header' | 'alias' | 'period' | 'name' | 'similarity'

export interface SourceDrift {
  readonly key: string
  readonly table: string
  readonly file: string
  readonly sheet?: string
  /** The whole source is new. */
  readonly isNew: boolean
  readonly added: readonly { name: string; title: string; type: FieldType; samples: readonly string[] }[]
  readonly removed: readonly { name: string; title: string }[]
  readonly renamed: readonly { name: string; from: string; to: string; similarity: number }[]
  /**
   * Types changed: widened, or (`firstValues`) a column that held only empty cells or missing markers given the
   * type of its first values; that is no change to what the column holds.
   */
  readonly retyped: readonly {
    name: string
    from: FieldType
    to: FieldType
    samples: readonly string[]
    firstValues?: true
  }[]
  readonly restored: readonly { name: string; title: string }[]
  /**
   * Same column, header written differently (case, spacing, punctuation, footnotes, a known alias, or other
   * period words: "January 2023 - …" for "December 2022 - …").
   */
  readonly headerChanges: readonly { name: string; from: string; to: string; method: ColumnMatchMethod }[]
}

export interface Drift {
  readonly publication: string
  readonly period: string
  /** There was no canonical manifest: the draft proposes the first one. */
  readonly firstManifest: boolean
  /** Sources with any change (new ones included). */
  readonly sources: readonly SourceDrift[]
  readonly removedSources: readonly { key: string; table: string }[]
  /** Sources retired by an earlier period that this period has again. */
  readonly restoredSources?: readonly { key: string; table: string }[]
}

/**
 * none: identical. cosmetic: only header texts changed (same columns), or a column with no values so far got the
 * type of its first values. additive: new sources or columns, wider types, restored columns, a first manifest.
 * breaking: removed or renamed columns, removed sources.
 */
export type DriftClass = 'none' | 'cosmetic' | 'additive' | 'breaking'

export function classifyDrift(drift: Drift): DriftClass {
  const any = (pick: (s: SourceDrift) => readonly unknown[]) => drift.sources.some((s) => pick(s).length > 0)
  if (drift.removedSources.length > 0 || any((s) => s.removed) || any((s) => s.renamed)) return 'breaking'
  if (
    drift.firstManifest ||
    drift.sources.some((s) => s.isNew) ||
    (drift.restoredSources ?? []).length > 0 ||
    any((s) => s.added) ||
    any((s) => s.retyped.filter((c) => !c.firstValues)) ||
    any((s) => s.restored)
  ) {
    return 'additive'
  }
  return any((s) => s.headerChanges) || any((s) => s.retyped) ? 'cosmetic' : 'none'
}

/** One line per change, for events, the run summary and the ledger's reason. */
export function driftLines(drift: Drift): string[] {
  const lines: string[] = []
  if (drift.firstManifest) lines.push(`first canonical manifest (${drift.sources.length} sources)`)
  for (const s of drift.sources) {
    if (s.isNew) {
      lines.push(
        `new source "${s.key}" (${s.sheet !== undefined ? `${s.file}, sheet "${s.sheet}"` : s.file})`,
      )
      continue
    }
    for (const c of s.added)
      lines.push(`new column "${c.name}" in "${s.key}" (header "${c.title}", ${c.type})`)
    for (const c of s.removed)
      lines.push(`column "${c.name}" missing from "${s.key}" (header was "${c.title}")`)
    for (const c of s.renamed)
      lines.push(
        `column "${c.name}" in "${s.key}" renamed from "${c.from}" to "${c.to}" (similarity ${c.similarity.toFixed(2)})`,
      )
    for (const c of s.retyped)
      lines.push(
        c.firstValues
          ? `column "${c.name}" in "${s.key}" has its first values: ${c.to} (it held only empty cells or missing markers)`
          : `column "${c.name}" in "${s.key}" widened from ${c.from} to ${c.to}`,
      )
    for (const c of s.restored) lines.push(`column "${c.name}" back in "${s.key}"`)
    for (const c of s.headerChanges)
      lines.push(`header of "${c.name}" in "${s.key}" now "${c.to}" (was "${c.from}")`)
  }
  for (const s of drift.restoredSources ?? []) lines.push(`source "${s.key}" back in this period`)
  for (const s of drift.removedSources) lines.push(`source "${s.key}" missing from this period`)
  return lines
}
