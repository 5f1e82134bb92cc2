import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { readLlmCache, writeLlmCache } from '../db/llm-cache.js'
import { type DefinitionIndex, definitionFor, headerKey } from '../manifest/index.js'
import type { LlmSettings } from '../model/config.js'
import type { Drift, SourceDrift } from '../model/drift.js'
import type { CanonicalManifest, DraftManifest, DraftSource, Field, Source } from '../model/manifest.js'
import {
  type Batch,
  type BatchColumn,
  buildRequestBody,
  type CallResult,
  callChatCompletions,
  normaliseUnit,
  type ParsedCompletion,
  parseCompletion,
  promptNotes,
  requestHash,
} from './llm.js'
import {
  type FieldText,
  fileTitle,
  noteTexts,
  offlineFieldText,
  offlineSourceText,
  restatesTitle,
  type SourceText,
  unitFromLabel,
} from './offline.js'

export interface EnrichContext {
  readonly publication: { readonly code: string; readonly name: string }
  readonly period: string
  /** Text of the workbook's notes and contents sheets (one line each), when available. */
  readonly notes?: readonly string[]
  /**
   * The same lines by the file they come from (as drift sources name it): a source is described from its own
   * file's lines first, so the workbooks of one ZIP, each with its "Table 1", keep their own titles and notes.
   */
  readonly fileNotes?: ReadonlyMap<string, readonly string[]>
  /** The release's documentation: the publisher's definitions of its fields, by normalised field name. */
  readonly definitions?: DefinitionIndex
}

export interface EnrichInput {
  /** The proposed manifest after reconcile. */
  readonly manifest: CanonicalManifest
  /** Which sources and fields are new (drift.sources[].isNew, .added). */
  readonly drift: Drift
  readonly context: EnrichContext
  /** config settings.llm; undefined → offline only. */
  readonly settings?: LlmSettings
  /** The LLM's API key (the variable settings.llm.api_key_env names); without it the offline text is used. */
  readonly apiKey?: string
  /** tmp/manifests/<run_id>/<pub>/<period>/: llm_response.json is written here when the LLM is asked. */
  readonly workDir: string
  /** For the response cache (datawarp.llm_cache); without it every run asks the LLM again. */
  readonly pool?: pg.Pool
  /** The period's draft: example values of a new source's columns (sent to the LLM for narrow sheets only). */
  readonly draft?: DraftManifest
  readonly fetchImpl?: typeof fetch
}

export interface EnrichUsage {
  /** Tokens of the requests sent in this call (answers from the cache cost nothing and count none). */
  readonly promptTokens: number
  readonly completionTokens: number
  /** Estimated from settings.llm.input/output_cost_per_million; absent when neither is set. */
  readonly costUsd?: number
  readonly model: string
  /** HTTP requests sent (failed ones included). */
  readonly requests: number
  /** Batches answered from datawarp.llm_cache. */
  readonly cached: number
}

export interface EnrichResult {
  readonly manifest: CanonicalManifest
  /** Where the new text came from: offline only, the LLM only, or both (some batches fell back). */
  readonly method: 'offline' | 'llm' | 'llm+offline'
  /** Present when the LLM was asked (or its cache answered). */
  readonly usage?: EnrichUsage
  readonly warnings: string[]
}

/** A sheet with at most this many columns is narrow: up to 2 short example values per column go to the LLM. */
export const NARROW_COLUMNS = 20
const MAX_SAMPLES = 2
const MAX_SAMPLE_CHARS = 40

interface Target {
  /** Index into manifest.sources. */
  readonly index: number
  readonly source: Source
  /** The source is new and lacks a title or a description. */
  readonly describeSource: boolean
  /** New fields without a description. */
  readonly fields: readonly Field[]
  readonly samples: ReadonlyMap<string, readonly string[]>
  /** The file this period's table of the source came from. */
  readonly file: string
}

interface LlmTexts {
  source?: SourceText
  fields: Map<string, FieldText>
}

/**
 * Fills in titles, descriptions, units and roles of the NEW sources and fields of a proposed manifest (as the
 * drift names them), and nothing else: existing text is never replaced, and names, tables, keys, types and
 * match patterns are never touched. Offline text by default; with settings.llm, an OpenAI-compatible LLM writes
 * it, batch by batch, and any batch it fails falls back to the offline text with a warning. Never throws for
 * an LLM failure.
 */
export async function enrichManifest(input: EnrichInput): Promise<EnrichResult> {
  const warnings: string[] = []
  const targets = findTargets(input, warnings)
  // Each file's own lines come before the rest: the first contents line or note found wins.
  const byFile = new Map<string, readonly string[]>()
  const notesOf = (file: string) => {
    let lines = byFile.get(file)
    if (!lines) {
      lines = [...new Set([...(input.context.fileNotes?.get(file) ?? []), ...(input.context.notes ?? [])])]
      byFile.set(file, lines)
    }
    return lines
  }

  let llm: LlmPhase | undefined
  if (input.settings && targets.length > 0) llm = await askLlm(input, input.settings, targets, warnings)

  const definitions = input.context.definitions ?? new Map()
  const sources = [...input.manifest.sources]
  let fromLlm = 0
  let fromOffline = 0
  for (const target of targets) {
    const answered = llm?.texts.get(target.source.key)
    let source = sources[target.index]!
    const lines = notesOf(target.file)
    const notes = noteTexts(lines)
    const noted = noteDefinitions(lines)
    const tableTitle = draftSourceOf(input, target)?.title
    const offline = {
      publication: input.context.publication,
      notes: lines,
      ...(tableTitle ? { tableTitle } : {}),
    }
    if (target.describeSource) {
      const text = answered?.source
        ? { ...answered.source, descriptionSource: 'llm' as const }
        : offlineSourceText(source, offline)
      if (answered?.source) fromLlm++
      else fromOffline++
      const description = source.description ?? text.description
      source = {
        ...source,
        title: source.title ?? text.title,
        description,
        ...(source.description === undefined && text.descriptionSource !== undefined
          ? { descriptionSource: text.descriptionSource }
          : {}),
      }
    }
    const wanted = new Set(target.fields.map((f) => f.name))
    const fields = source.schema.fields.map((field) => {
      if (!wanted.has(field.name) || field.description !== undefined) return field
      const fromAnswer = answered?.fields.get(field.name)
      if (fromAnswer) fromLlm++
      else fromOffline++
      const documented = definitionFor(definitions, field)?.text
      const defined = documented !== undefined && !restatesTitle(documented, field.title)
      const own = offlineFieldText(field, notes, defined ? documented : definitionFor(noted, field)?.text)
      // The release's documentation comes first; the LLM writes what it does not define (and units and roles).
      const asked = fromAnswer ? llmFieldText(field, fromAnswer, own) : undefined
      const text = !asked ? own : defined ? { ...asked, ...pickDescription(own) } : asked
      return withFieldText(field, text)
    })
    sources[target.index] = { ...source, schema: { ...source.schema, fields } }
  }
  const improved = withPublisherText(sources, definitions)

  const manifest =
    targets.length > 0 || improved.changed > 0
      ? { ...input.manifest, sources: improved.sources }
      : input.manifest
  const method = fromLlm === 0 ? 'offline' : fromOffline === 0 ? 'llm' : 'llm+offline'
  return { manifest, method, ...(llm?.usage ? { usage: llm.usage } : {}), warnings }
}

const pickDescription = (text: FieldText) => ({
  description: text.description,
  descriptionSource: text.descriptionSource,
})

/** A field with `text` where it has none: description (with where it came from), unit and role. */
function withFieldText(field: Field, text: FieldText): Field {
  const unit = field.unit ?? text.unit
  return {
    ...field,
    ...(text.description !== undefined ? { description: text.description } : {}),
    ...(text.description !== undefined && text.descriptionSource !== undefined
      ? { descriptionSource: text.descriptionSource }
      : {}),
    ...(unit !== undefined ? { unit } : {}),
    role: field.role ?? text.role,
  }
}

/**
 * Whether the release's documentation may give a field its text: it has none, only derived text, or only the
 * header again; or the publisher's text, which a later edition may revise. Text a person wrote (no
 * descriptionSource, or reviewer) and the LLM's stays.
 */
export function takesPublisherText(
  field: Pick<Field, 'title' | 'description' | 'descriptionSource'>,
): boolean {
  if (field.description === undefined || field.descriptionSource === 'derived') return true
  if (field.descriptionSource === 'publisher') return true
  return field.descriptionSource !== 'reviewer' && restatesTitle(field.description, field.title)
}

/**
 * Every field of the manifest, new or not, that the release documents and that may take the publisher's text
 * (see takesPublisherText) gets it. What changes arrives in the proposal, reviewed like any other change.
 */
function withPublisherText(
  sources: readonly Source[],
  definitions: DefinitionIndex,
): { sources: Source[]; changed: number } {
  let changed = 0
  const out = sources.map((source) => {
    let touched = false
    const fields = source.schema.fields.map((field) => {
      if (!takesPublisherText(field)) return field
      const definition = definitionFor(definitions, field)
      if (!definition || restatesTitle(definition.text, field.title) || definition.text === field.description)
        return field
      touched = true
      changed++
      return { ...field, description: definition.text, descriptionSource: 'publisher' as const }
    })
    return touched ? { ...source, schema: { ...source.schema, fields } } : source
  })
  return { sources: out, changed }
}

/**
 * Definitions written in the notes sheets, by field: a line "FIELD: what it means", or a short heading line
 * followed by a paragraph (a data quality or notes sheet's "Submissions" over what submissions are). Only a
 * column whose header the line names takes the text.
 */
function noteDefinitions(lines: readonly string[]): DefinitionIndex {
  const index = new Map<string, { text: string; from: string }>()
  const add = (field: string, text: string) => {
    const key = headerKey(field)
    if (key !== '' && !index.has(key)) index.set(key, { text: text.trim(), from: 'notes' })
  }
  lines.forEach((line, i) => {
    const match = /^([^:]{1,80}):\s+(\S.{9,})$/.exec(line)
    if (match && !/^\s*(?:table|figure|chart|note|notes|source|sources)\b/i.test(match[1]!))
      add(match[1]!, match[2]!)
    const next = lines[i + 1]
    if (!match && line.length <= 80 && !line.includes(':') && next !== undefined && next.length >= 60)
      add(line, next)
  })
  return index
}

/** The period's table a target was drafted from, when the draft is known. */
function draftSourceOf(input: EnrichInput, target: Target): DraftSource | undefined {
  const change = input.drift.sources.find((s) => s.key === target.source.key)
  return input.draft?.sources.find((s) => s.file === target.file && s.sheet === change?.sheet)
}

/**
 * `target` with the text of `enriched` where `target` has none: source titles and descriptions by source key,
 * field descriptions, units and roles by field name; and the publisher's text where `target` may take it
 * (see takesPublisherText). Technical fields are `target`'s, untouched. For a manifest reconciled against
 * another base (the one a load uses) to get the text enriched on the proposal.
 */
export function withTextOf(target: CanonicalManifest, enriched: CanonicalManifest): CanonicalManifest {
  const byKey = new Map(enriched.sources.map((s) => [s.key, s]))
  return {
    ...target,
    sources: target.sources.map((source) => {
      const from = byKey.get(source.key)
      if (!from) return source
      const fields = new Map(from.schema.fields.map((f) => [f.name, f]))
      const title = source.title ?? from.title
      const described = source.description !== undefined ? source : from
      return {
        ...source,
        ...(title !== undefined ? { title } : {}),
        ...(described.description !== undefined ? { description: described.description } : {}),
        ...(described.description !== undefined && described.descriptionSource !== undefined
          ? { descriptionSource: described.descriptionSource }
          : {}),
        schema: {
          ...source.schema,
          fields: source.schema.fields.map((field) => {
            const f = fields.get(field.name)
            if (!f) return field
            const publisher =
              f.descriptionSource === 'publisher' && f.description !== undefined && takesPublisherText(field)
            const text = publisher || field.description === undefined ? f : field
            const unit = field.unit ?? f.unit
            const role = field.role ?? f.role
            const { description: _d, descriptionSource: _s, ...rest } = field
            return {
              ...rest,
              ...(text.description !== undefined ? { description: text.description } : {}),
              ...(text.description !== undefined && text.descriptionSource !== undefined
                ? { descriptionSource: text.descriptionSource }
                : {}),
              ...(unit !== undefined ? { unit } : {}),
              ...(role !== undefined ? { role } : {}),
            }
          }),
        },
      }
    }),
  }
}

/**
 * Text columns, dates and booleans are dimensions whatever the LLM says; a measure without a unit gets the
 * label's. An answer that only says the header again is no description: the offline one (if any) stands.
 */
function llmFieldText(field: Field, answer: FieldText, offline: FieldText): FieldText {
  const numeric = field.type === 'integer' || field.type === 'number'
  const role = numeric ? answer.role : 'dimension'
  const unit = role === 'measure' ? (answer.unit ?? unitFromLabel(field.title)) : undefined
  const says = !restatesTitle(answer.description, field.title)
  const description = says ? { description: answer.description!, descriptionSource: 'llm' as const } : offline
  return {
    ...(description.description !== undefined
      ? { description: description.description, descriptionSource: description.descriptionSource! }
      : {}),
    role,
    ...(unit !== undefined ? { unit } : {}),
  }
}

/** The new sources and fields the drift names that still lack text, in the drift's order. */
function findTargets(input: EnrichInput, warnings: string[]): Target[] {
  const targets: Target[] = []
  const seen = new Set<string>()
  for (const change of input.drift.sources) {
    if (seen.has(change.key)) continue
    seen.add(change.key)
    const index = input.manifest.sources.findIndex((s) => s.key === change.key)
    if (index < 0) {
      if (change.isNew || change.added.length > 0)
        warnings.push(`source "${change.key}" of the drift is not in the manifest; left without text`)
      continue
    }
    const source = input.manifest.sources[index]!
    const added = new Set(change.added.map((a) => a.name))
    const fields = source.schema.fields.filter(
      (f) => (change.isNew || added.has(f.name)) && f.description === undefined,
    )
    const describeSource = change.isNew && (source.title === undefined || source.description === undefined)
    if (fields.length === 0 && !describeSource) continue
    const samples =
      source.schema.fields.length <= NARROW_COLUMNS ? samplesOf(change, source, input.draft) : new Map()
    targets.push({ index, source, describeSource, fields, samples, file: change.file })
  }
  return targets
}

/** Example values by field name: from the drift for added columns, from the draft for a new source's columns. */
function samplesOf(
  change: SourceDrift,
  source: Source,
  draft: DraftManifest | undefined,
): Map<string, readonly string[]> {
  const samples = new Map<string, readonly string[]>()
  const keep = (values: readonly string[]) =>
    values
      .map((v) => v.replace(/\s+/g, ' ').trim())
      .filter((v) => v !== '' && v.length <= MAX_SAMPLE_CHARS)
      .slice(0, MAX_SAMPLES)
  for (const a of change.added) samples.set(a.name, keep(a.samples))
  if (change.isNew && draft) {
    const d = draft.sources.find((s) => s.file === change.file && s.sheet === change.sheet)
    const byTitle = new Map<string, readonly string[]>()
    for (const f of d?.fields ?? []) if (!byTitle.has(f.title)) byTitle.set(f.title, f.samples)
    for (const f of source.schema.fields) {
      const values = byTitle.get(f.title)
      if (values && !samples.has(f.name)) samples.set(f.name, keep(values))
    }
  }
  return samples
}

interface Exchange {
  batch: string
  columns: number
  request_hash: string
  cached: boolean
  request: { method: 'POST'; url: string; auth: string; body: unknown }
  status?: number
  response?: unknown
  outcome: string
  duration_ms?: number
}

interface LlmPhase {
  texts: Map<string, LlmTexts>
  usage?: EnrichUsage
}

/** Splits each target's fields into batches of settings.batch_columns; the first batch of a new source names it. */
function batchesOf(targets: readonly Target[], size: number): { target: Target; batch: Batch }[] {
  const batches: { target: Target; batch: Batch }[] = []
  for (const target of targets) {
    const columns: BatchColumn[] = target.fields.map((f) => {
      const samples = target.samples.get(f.name)
      return {
        column: f.name,
        header: f.title,
        type: f.type,
        ...(samples && samples.length > 0 ? { samples } : {}),
      }
    })
    // A new source whose fields all have text gets no batch: its title and description are the offline ones.
    const parts = Math.ceil(columns.length / size)
    const match = target.source.match
    for (let part = 1; part <= parts; part++) {
      batches.push({
        target,
        batch: {
          sourceKey: target.source.key,
          part,
          parts,
          describeSource: target.describeSource && part === 1,
          source: {
            ...(match.sheet !== undefined ? { sheet: match.sheet } : {}),
            file: fileTitle(match.file) || match.file,
            ...(match.zip !== undefined ? { zip: fileTitle(match.zip) || match.zip } : {}),
          },
          columns: columns.slice((part - 1) * size, part * size),
        },
      })
    }
  }
  return batches
}

/** Failures of the endpoint itself: the rest of the batches would fail the same way, so they are not sent. */
const ENDPOINT_FAILURES = new Set(['network', 'timeout', 'http'])

async function askLlm(
  input: EnrichInput,
  settings: LlmSettings,
  targets: readonly Target[],
  warnings: string[],
): Promise<LlmPhase> {
  const texts = new Map<string, LlmTexts>()
  const apiKey = input.apiKey
  if (!apiKey) {
    warnings.push(
      `LLM not used: the environment variable ${settings.api_key_env} is not set; offline text used`,
    )
    return { texts }
  }
  const url = `${settings.base_url.replace(/\/+$/, '')}/chat/completions`
  const fetchImpl = input.fetchImpl ?? fetch
  const notes = promptNotes(input.context.notes)
  const batches = batchesOf(targets, settings.batch_columns)
  const exchanges: Exchange[] = []
  let pool = input.pool
  let promptTokens = 0
  let completionTokens = 0
  let requests = 0
  let cached = 0
  let stopped: string | undefined
  let notSent = 0

  for (const { target, batch } of batches) {
    const label = `"${batch.sourceKey}" batch ${batch.part}/${batch.parts} (${batch.columns.length} columns)`
    const body = buildRequestBody(settings.model, input.context.publication, batch, notes)
    const hash = requestHash(body)
    const exchange: Exchange = {
      batch: label,
      columns: batch.columns.length,
      request_hash: hash,
      cached: false,
      request: { method: 'POST', url, auth: `Bearer $${settings.api_key_env}`, body },
      outcome: '',
    }
    exchanges.push(exchange)

    let parsed: ParsedCompletion | undefined
    if (pool) {
      try {
        const hit = await readLlmCache(pool, hash)
        if (hit !== undefined) {
          const again = parseCompletion(hit)
          if (again.ok) {
            parsed = again
            cached++
            exchange.cached = true
            exchange.response = hit
          }
        }
      } catch (error) {
        warnings.push(`LLM cache not available (${(error as Error).message}); answers are not cached`)
        pool = undefined
      }
    }
    if (!parsed) {
      if (stopped !== undefined) {
        exchange.outcome = `not sent: ${stopped}`
        notSent++
        continue
      }
      const result: CallResult = await callChatCompletions({
        url,
        apiKey,
        body,
        timeoutMs: settings.timeout_seconds * 1000,
        fetchImpl,
      })
      requests++
      parsed = result.parsed
      if (result.status !== undefined) exchange.status = result.status
      if (result.body !== undefined) exchange.response = result.body
      exchange.duration_ms = result.durationMs
      if (parsed.usage) {
        promptTokens += parsed.usage.promptTokens
        completionTokens += parsed.usage.completionTokens
      }
      if (!parsed.ok) {
        exchange.outcome = `${parsed.kind}: ${parsed.message}`
        warnings.push(`LLM ${label}: ${parsed.message}; offline text used`)
        if (ENDPOINT_FAILURES.has(parsed.kind)) stopped = `the LLM failed earlier (${parsed.message})`
        continue
      }
      if (pool) {
        try {
          await writeLlmCache(pool, hash, settings.model, result.body)
        } catch (error) {
          warnings.push(`LLM cache not written (${(error as Error).message})`)
        }
      }
    }
    if (!parsed.ok) continue
    exchange.outcome = exchange.cached ? 'cached' : 'ok'
    const answered = texts.get(target.source.key) ?? { fields: new Map<string, FieldText>() }
    texts.set(target.source.key, answered)
    if (batch.describeSource && parsed.answer.source) answered.source = parsed.answer.source
    const ids = new Set(batch.columns.map((c) => c.column))
    const unknown: string[] = []
    for (const c of parsed.answer.columns) {
      if (!ids.has(c.column)) {
        unknown.push(c.column)
        continue
      }
      if (answered.fields.has(c.column)) continue
      answered.fields.set(c.column, {
        description: c.description,
        role: c.role,
        ...(c.unit !== null ? { unit: normaliseUnit(c.unit) } : {}),
      })
    }
    if (unknown.length > 0)
      warnings.push(`LLM ${label}: answers for columns not asked about ignored: ${listed(unknown)}`)
    const missing = batch.columns.filter((c) => !answered.fields.has(c.column)).map((c) => c.column)
    if (missing.length > 0)
      warnings.push(`LLM ${label}: no answer for ${listed(missing)}; offline text used for them`)
  }
  if (notSent > 0)
    warnings.push(`LLM not asked for ${notSent} more batch(es) after the failure above; offline text used`)
  // An error body may echo the key (some servers do): it never reaches the events or llm_response.json.
  if (apiKey.length >= 8) {
    warnings.forEach((w, i) => {
      warnings[i] = w.split(apiKey).join('[redacted]')
    })
  }

  const price = (perMillion: number | undefined, tokens: number) => ((perMillion ?? 0) * tokens) / 1_000_000
  const priced =
    settings.input_cost_per_million !== undefined || settings.output_cost_per_million !== undefined
  const usage: EnrichUsage = {
    promptTokens,
    completionTokens,
    ...(priced
      ? {
          costUsd: roundUsd(
            price(settings.input_cost_per_million, promptTokens) +
              price(settings.output_cost_per_million, completionTokens),
          ),
        }
      : {}),
    model: settings.model,
    requests,
    cached,
  }
  writeExchanges(input, { url, settings, exchanges, usage, warnings, apiKey })
  return { texts, usage }
}

const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((n) => `"${n}"`)
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ')
}

/** llm_response.json: every request and response of the call. The API key is never written (redacted if echoed). */
function writeExchanges(
  input: EnrichInput,
  r: {
    url: string
    settings: LlmSettings
    exchanges: Exchange[]
    usage: EnrichUsage
    warnings: string[]
    apiKey: string
  },
): void {
  const record = {
    publication: input.context.publication.code,
    period: input.context.period,
    endpoint: r.url,
    model: r.settings.model,
    api_key_env: r.settings.api_key_env,
    usage: r.usage,
    warnings: r.warnings,
    exchanges: r.exchanges,
  }
  let text = `${JSON.stringify(record, null, 2)}\n`
  if (r.apiKey.length >= 8) text = text.split(r.apiKey).join('[redacted]')
  try {
    mkdirSync(input.workDir, { recursive: true })
    writeFileSync(join(input.workDir, 'llm_response.json'), text)
  } catch (error) {
    r.warnings.push(`llm_response.json not written (${(error as Error).message})`)
  }
}
