import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { FieldType } from '../model/manifest.js'

/**
 * The LLM enricher's side of an OpenAI-compatible chat-completions API: the request for one batch of columns,
 * the call, and the validation of what comes back. Nothing here throws on a bad answer or a failed call: each
 * outcome says what went wrong, and the caller falls back to the offline text.
 */

export interface BatchColumn {
  /** The physical name: the column's id in the request and the answer (the LLM never chooses it). */
  readonly column: string
  readonly header: string
  readonly type: FieldType
  /** At most two short example values, for narrow sheets only. */
  readonly samples?: readonly string[]
}

export interface Batch {
  readonly sourceKey: string
  /** 1-based position of the batch among the source's batches, and how many there are. */
  readonly part: number
  readonly parts: number
  /** Ask for the source's title and description too (the first batch of a new source). */
  readonly describeSource: boolean
  readonly source: { readonly sheet?: string; readonly file: string; readonly zip?: string }
  readonly columns: readonly BatchColumn[]
}

export interface ChatRequestBody {
  readonly model: string
  readonly messages: readonly { role: 'system' | 'user'; content: string }[]
  readonly response_format: {
    type: 'json_schema'
    json_schema: { name: string; strict: true; schema: Record<string, unknown> }
  }
  readonly temperature: 0
}

export const SYSTEM_PROMPT = [
  'You document tables of official statistics (NHS England and similar UK public-sector releases) for a data catalogue.',
  'You are given a publication, one table (a sheet or a file) and some of its columns: each with an id, its header as published and its data type.',
  'For every column, write:',
  '- description: one plain-English sentence, at most 200 characters, saying what a value of the column is. Expand abbreviations you are sure of (FTE, ICB, GP, PCN, ODS); explain footnote markers such as [1] as "see note 1". Do not invent facts that the header, notes or examples do not support.',
  '- unit: what a value counts or measures, for numeric measures only: one of count, percent, GBP, GBP thousands, FTE, days, weeks, hours, minutes, "per 1,000", "per 100,000", or another short unit; null for dimensions or when unknown.',
  '- role: "dimension" when the column says what a row is about (names, codes, dates, years, months, categories), "measure" when it holds a value.',
  'When asked (describe_source is true), also give the table a short title (at most 80 characters) and a one-sentence description; otherwise return source as null.',
  'Answer with JSON only, in the given schema, one entry per column id, using the ids exactly as given.',
].join('\n')

/** The JSON Schema the answer must follow (strict mode: every property required, no others). */
export function answerJsonSchema(columnIds: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['source', 'columns'],
    properties: {
      source: {
        anyOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['title', 'description'],
            properties: { title: { type: 'string' }, description: { type: 'string' } },
          },
          { type: 'null' },
        ],
      },
      columns: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['column', 'description', 'unit', 'role'],
          properties: {
            column: { type: 'string', enum: [...columnIds] },
            description: { type: 'string' },
            unit: { type: ['string', 'null'] },
            role: { type: 'string', enum: ['dimension', 'measure'] },
          },
        },
      },
    },
  }
}

const MAX_NOTE_LINES = 40
const MAX_NOTES_CHARS = 4000

/** The notes sent with every batch: the first lines, each and all clipped, so a long notes sheet stays cheap. */
export function promptNotes(notes: readonly string[] | undefined): string[] {
  const kept: string[] = []
  let total = 0
  for (const raw of notes ?? []) {
    const line = raw.replace(/\s+/g, ' ').trim()
    if (line === '') continue
    const clipped = line.length > 300 ? `${line.slice(0, 299)}…` : line
    if (kept.length >= MAX_NOTE_LINES || total + clipped.length > MAX_NOTES_CHARS) break
    kept.push(clipped)
    total += clipped.length
  }
  return kept
}

/** The request for one batch. Built deterministically (fixed key order, no period, no time) so it can be cached. */
export function buildRequestBody(
  model: string,
  publication: { code: string; name: string },
  batch: Batch,
  notes: readonly string[],
): ChatRequestBody {
  const payload = {
    publication: { code: publication.code, name: publication.name },
    source: {
      key: batch.sourceKey,
      ...(batch.source.sheet !== undefined ? { sheet: batch.source.sheet } : {}),
      file: batch.source.file,
      ...(batch.source.zip !== undefined ? { zip: batch.source.zip } : {}),
    },
    describe_source: batch.describeSource,
    ...(batch.parts > 1 ? { batch: `${batch.part} of ${batch.parts}` } : {}),
    notes,
    columns: batch.columns.map((c) => ({
      column: c.column,
      header: c.header,
      type: c.type,
      ...(c.samples && c.samples.length > 0 ? { samples: [...c.samples] } : {}),
    })),
  }
  return {
    model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: JSON.stringify(payload) },
    ],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'datawarp_enrichment',
        strict: true,
        schema: answerJsonSchema(batch.columns.map((c) => c.column)),
      },
    },
    temperature: 0,
  }
}

/** The cache key: sha256 of the request body (which holds the model; never the endpoint or the key). */
export function requestHash(body: ChatRequestBody): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex')
}

const text = (max: number) =>
  z
    .string()
    .transform((s) => s.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1).max(max))

/** The answer, validated before use. Unknown keys (a "name", "type" or "table" the model adds) are dropped. */
export const AnswerSchema = z.object({
  source: z.object({ title: text(200), description: text(1000) }).nullable(),
  columns: z.array(
    z.object({
      column: z.string(),
      description: text(1000),
      unit: z
        .string()
        .nullable()
        .transform((s) => (s === null ? null : s.replace(/\s+/g, ' ').trim() || null))
        .pipe(z.string().max(40).nullable()),
      role: z.enum(['dimension', 'measure']),
    }),
  ),
})
export type Answer = z.output<typeof AnswerSchema>

/** The parts of a chat.completion response that are used; the rest is kept as written in llm_response.json. */
const CompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) })
    .optional(),
})

export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}

export type FailureKind = 'network' | 'timeout' | 'http' | 'refusal' | 'bad_json' | 'invalid'

export type ParsedCompletion =
  | { readonly ok: true; readonly answer: Answer; readonly usage?: TokenUsage }
  | { readonly ok: false; readonly kind: FailureKind; readonly message: string; readonly usage?: TokenUsage }

/** Reads a chat.completion body: the refusal, a cut-off answer, JSON that does not parse or does not validate. */
export function parseCompletion(raw: unknown): ParsedCompletion {
  const completion = CompletionSchema.safeParse(raw)
  if (!completion.success)
    return { ok: false, kind: 'invalid', message: 'the response is not a chat.completion object' }
  const usage = completion.data.usage
    ? {
        promptTokens: completion.data.usage.prompt_tokens,
        completionTokens: completion.data.usage.completion_tokens,
      }
    : undefined
  const withUsage = usage ? { usage } : {}
  const choice = completion.data.choices[0]!
  if (choice.message.refusal)
    return {
      ok: false,
      kind: 'refusal',
      message: `the model refused: ${clip(choice.message.refusal)}`,
      ...withUsage,
    }
  if (choice.finish_reason === 'length')
    return {
      ok: false,
      kind: 'bad_json',
      message: 'the answer was cut off (finish_reason "length")',
      ...withUsage,
    }
  const content = choice.message.content
  if (typeof content !== 'string' || content.trim() === '')
    return { ok: false, kind: 'bad_json', message: 'the answer is empty', ...withUsage }
  let json: unknown
  try {
    json = JSON.parse(content)
  } catch (error) {
    return {
      ok: false,
      kind: 'bad_json',
      message: `the answer is not JSON (${(error as Error).message})`,
      ...withUsage,
    }
  }
  const answer = AnswerSchema.safeParse(json)
  if (!answer.success) {
    const issue = answer.error.issues[0]!
    return {
      ok: false,
      kind: 'invalid',
      message: `the answer does not follow the schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ...withUsage,
    }
  }
  return { ok: true, answer: answer.data, ...withUsage }
}

function clip(s: string, max = 300): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`
}

export interface CallResult {
  /** HTTP status, when a response arrived. */
  readonly status?: number
  /** The response body as JSON (or as text when it is not JSON). */
  readonly body?: unknown
  readonly parsed: ParsedCompletion
  readonly durationMs: number
}

/** One POST to {base_url}/chat/completions. Never throws: a network error, a timeout or an HTTP error is a result. */
export async function callChatCompletions(options: {
  readonly url: string
  readonly apiKey: string
  readonly body: ChatRequestBody
  readonly timeoutMs: number
  readonly fetchImpl: typeof fetch
}): Promise<CallResult> {
  const started = Date.now()
  const done = (r: Omit<CallResult, 'durationMs'>): CallResult => ({ ...r, durationMs: Date.now() - started })
  const signal = AbortSignal.timeout(options.timeoutMs)
  let status: number | undefined
  let text: string
  try {
    const response = await options.fetchImpl(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${options.apiKey}`,
      },
      body: JSON.stringify(options.body),
      signal,
    })
    status = response.status
    text = await response.text()
  } catch (error) {
    const timedOut = signal.aborted || (error as Error)?.name === 'TimeoutError'
    return done({
      ...(status !== undefined ? { status } : {}),
      parsed: timedOut
        ? { ok: false, kind: 'timeout', message: `no answer within ${options.timeoutMs / 1000} s` }
        : { ok: false, kind: 'network', message: clip(describeError(error)) },
    })
  }
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // kept as text
  }
  if (status < 200 || status > 299) {
    return done({
      status,
      body,
      parsed: { ok: false, kind: 'http', message: httpErrorMessage(status, body) },
    })
  }
  return done({ status, body, parsed: parseCompletion(body) })
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as Error & { cause?: unknown }).cause
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return `${error.message}${detail}`
}

/** "HTTP 429 rate_limit_exceeded: Rate limit reached for …" from the API's { error: { message, type, code } }. */
export function httpErrorMessage(status: number, body: unknown): string {
  const error = (body as { error?: { message?: unknown; code?: unknown; type?: unknown } } | null)?.error
  if (error && typeof error === 'object') {
    const code =
      typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : ''
    const message = typeof error.message === 'string' ? error.message : ''
    return clip(`HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`)
  }
  return clip(`HTTP ${status}${typeof body === 'string' && body !== '' ? `: ${body}` : ''}`)
}

const UNIT_WORDS: Record<string, string> = {
  '%': 'percent',
  percentage: 'percent',
  pct: 'percent',
  '£': 'GBP',
  gbp: 'GBP',
  pounds: 'GBP',
  'pounds sterling': 'GBP',
  '£000': 'GBP thousands',
  "£000's": 'GBP thousands',
  '£000s': 'GBP thousands',
  fte: 'FTE',
  number: 'count',
  people: 'count',
  persons: 'count',
  day: 'days',
  week: 'weeks',
  hour: 'hours',
  minute: 'minutes',
  'per 1000': 'per 1,000',
  'per 100000': 'per 100,000',
}

/** The LLM's unit in the manifest's vocabulary where it is a known variant ("%" → percent, "£" → GBP). */
export function normaliseUnit(unit: string): string {
  const key = unit.trim().toLowerCase()
  return (
    UNIT_WORDS[key] ??
    (['count', 'percent', 'days', 'weeks', 'hours', 'minutes'].includes(key) ? key : unit.trim())
  )
}
