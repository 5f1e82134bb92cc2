/** Enrichment as a period uses it: text for what is new in its proposal, written after a load in its own transaction. */
import { type EnrichResult, enrichManifest, withTextOf } from '../enrich/index.js'
import { type LlmUsage, recordLoadText } from '../load/index.js'
import { definitionIndex, manifestHash, type Reconciliation } from '../manifest/index.js'
import type { CanonicalManifest } from '../model/manifest.js'
import { errorDetail } from '../observe/index.js'
import type { DraftedPeriod } from './draft-period.js'
import type { PeriodContext } from './period-context.js'

/**
 * Enriches the proposal (offline, or through the configured LLM; an LLM failure falls back to offline with a
 * warning, never fails the period). The notes come per file: each table's own title first, then the notes in its
 * header, then its notes and contents sheets. The release's documentation (tables of field definitions) gives
 * the columns it names the publisher's text.
 */
export async function enrichProposal(
  ctx: PeriodContext,
  period: string,
  dir: string,
  drafted: DraftedPeriod,
  proposed: Reconciliation,
): Promise<EnrichResult> {
  const scope = { publication: ctx.publication.code, period }
  const fileNotes = new Map<string, string[]>()
  const add = (file: string, lines: readonly string[]) =>
    fileNotes.set(file, [...(fileNotes.get(file) ?? []), ...lines])
  for (const { table: t } of drafted.tables)
    add(t.file, [...(t.sheet && t.title ? [`${t.sheet}: ${t.title}`] : []), ...(t.notes ?? [])])
  for (const [file, lines] of drafted.notes) add(file, lines)
  const notes = new Set([...fileNotes.values()].flat())
  const enriched = await ctx.log.stage('enrich', scope, () =>
    enrichManifest({
      manifest: proposed.manifest,
      drift: proposed.drift,
      draft: drafted.draft,
      context: {
        publication: { code: ctx.publication.code, name: ctx.publication.name },
        period,
        notes: [...notes],
        fileNotes,
        definitions: definitionIndex(drafted.documentation),
      },
      settings: ctx.config.settings.llm,
      ...(ctx.llmApiKey ? { apiKey: ctx.llmApiKey } : {}),
      workDir: dir,
      pool: ctx.pool,
    }),
  )
  for (const message of enriched.warnings)
    ctx.log.emit({ ...scope, level: 'warn', event: 'enrich.warning', message })
  const u = enriched.usage
  ctx.log.emit({
    ...scope,
    event: 'enrich',
    method: enriched.method,
    ...(u
      ? {
          model: u.model,
          llm_tokens: u.promptTokens + u.completionTokens,
          llm_cost_usd: u.costUsd,
          llm_requests: u.requests,
          llm_cached: u.cached,
        }
      : {}),
  })
  return enriched
}

/** The tokens and cost the ledger records for an enrichment, when it asked an LLM. */
export function llmUsageOf(enriched: EnrichResult): LlmUsage | undefined {
  const u = enriched.usage
  return u ? { tokens: u.promptTokens + u.completionTokens, costUsd: u.costUsd } : undefined
}

/**
 * The loaded period's enrichment: the proposal with its text, and the loaded manifest with the text of what is
 * new, written to datawarp.sources and the ledger. The rows are committed already, so a failure here is a
 * warning: the period stays loaded with the text it had.
 */
export async function enrichLoaded(
  ctx: PeriodContext,
  period: string,
  dir: string,
  drafted: DraftedPeriod,
  proposed: Reconciliation,
  committed: {
    readonly loadId: number
    readonly sources: readonly { sourceKey: string }[]
    readonly manifest: CanonicalManifest
    readonly manifestHash: string
  },
): Promise<{ manifest: CanonicalManifest; loaded: CanonicalManifest }> {
  try {
    const enriched = await enrichProposal(ctx, period, dir, drafted, proposed)
    const loaded = withTextOf(committed.manifest, enriched.manifest)
    const hash = manifestHash(loaded)
    const llm = llmUsageOf(enriched)
    if (hash !== committed.manifestHash || llm) {
      await recordLoadText(ctx.pool, {
        loadId: committed.loadId,
        publication: ctx.publication.code,
        manifest: loaded,
        manifestHash: hash,
        sourceKeys: [...new Set(committed.sources.map((s) => s.sourceKey))],
        ...(llm ? { llm } : {}),
      })
    }
    return { manifest: enriched.manifest, loaded }
  } catch (error) {
    const message = `enrichment after the load failed; the loaded text stays as it was: ${errorDetail(error).message}`
    ctx.log.emit({
      publication: ctx.publication.code,
      period,
      level: 'warn',
      event: 'enrich.warning',
      message,
    })
    return { manifest: proposed.manifest, loaded: committed.manifest }
  }
}
