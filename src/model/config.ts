import { z } from 'zod'
import { checkDiscovery, type Discovery, DiscoveryFields, PeriodTextSchema } from './discovery.js'

/** snake_case: lower-case words of letters and digits joined by single underscores. */
export const SNAKE_CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/

export const UrlEntrySchema = z.strictObject({
  period: PeriodTextSchema,
  url: z.string().min(1).describe('http(s):// or file:// URL, or a path relative to the config file'),
})

export const ContractSchema = z
  .enum(['hold', 'evolve', 'freeze'])
  .describe(
    'What a run does when a period differs from the canonical manifest: hold it for review (default), evolve (apply additive changes, hold removals and renames), or freeze (fail)',
  )
export type Contract = z.output<typeof ContractSchema>

export const PublicationSchema = z.strictObject({
  name: z.string().min(1).describe('Human name of the publication'),
  description: z.string().optional(),
  contract: ContractSchema.optional().describe('Overrides settings.contract for this publication'),
  canonical_manifest: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the canonical manifest, relative to the repository root'),
  urls: z
    .array(UrlEntrySchema)
    .default([])
    .describe('One entry per file: the period it belongs to and where'),
  ...DiscoveryFields,
})

/** PublicationSchema with the rules between its discovery fields (model/discovery.ts): what loadConfig checks. */
export const CheckedPublicationSchema = PublicationSchema.superRefine(checkDiscovery)

export const RetentionSchema = z.strictObject({
  logs_days: z
    .number()
    .int()
    .positive()
    .default(7)
    .describe('Days event logs stay before the monthly archive'),
  artifact_days: z.number().int().positive().default(7).describe('Retention of workflow artifacts'),
  cleanup_after_run: z
    .boolean()
    .default(true)
    .describe('Whether datawarp run ends with datawarp cleanup (logs archived, run folders deleted)'),
})

export const FetchSettingsSchema = z.strictObject({
  timeout_seconds: z.number().positive().default(300).describe('Per attempt, including the body'),
  retries: z.number().int().min(0).max(10).default(3),
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3)
    .describe('Largest download, and largest total unpacked from one ZIP'),
})

export const LlmSettingsSchema = z
  .strictObject({
    base_url: z
      .url({ protocol: /^https?$/ })
      .describe('OpenAI-compatible API root; requests go to {base_url}/chat/completions'),
    model: z.string().min(1).describe('Model name sent with each request'),
    api_key_env: z
      .string()
      .min(1)
      .default('OPENAI_API_KEY')
      .describe('Environment variable holding the API key (the key itself is never in the config)'),
    batch_columns: z.number().int().positive().max(1000).default(60).describe('Columns per request'),
    timeout_seconds: z.number().positive().default(120).describe('Per request, including the answer'),
    input_cost_per_million: z.number().min(0).optional().describe('USD per million prompt tokens'),
    output_cost_per_million: z.number().min(0).optional().describe('USD per million completion tokens'),
  })
  .describe('LLM enrichment of new sources and columns (docs/enrichment.md); absent: offline enrichment only')
export type LlmSettings = z.output<typeof LlmSettingsSchema>

export const SiteSettingsSchema = z
  .strictObject({
    publish: z
      .boolean()
      .default(false)
      .describe('The workflow publishes the catalog site (datawarp site) to GitHub Pages after each run'),
    include_exports: z
      .boolean()
      .default(false)
      .describe('Publish the Parquet exports beside the site, so its download links work from GitHub Pages'),
  })
  .describe('The static catalog site (docs/site.md)')

export const SettingsSchema = z.strictObject({
  contract: ContractSchema.default('hold'),
  retention: RetentionSchema.prefault({}),
  fetch: FetchSettingsSchema.prefault({}),
  llm: LlmSettingsSchema.optional(),
  allowed_folders: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Folders outside the project root (relative to it) that local urls (paths, file:// URLs) may read and canonical_manifest may name; by default both stay inside the project root',
    ),
  site: SiteSettingsSchema.prefault({}),
})

/** The top level of config/publications.yaml. Publications are validated one by one (see loadConfig). */
export const ConfigShapeSchema = z.strictObject({
  settings: SettingsSchema.prefault({}),
  publications: z.record(z.string(), z.unknown()),
})

/** The whole file, for editors (exported as JSON Schema). */
export const ConfigFileSchema = z.strictObject({
  settings: SettingsSchema.optional(),
  publications: z.record(z.string().regex(SNAKE_CODE), PublicationSchema),
})

export type Settings = z.output<typeof SettingsSchema>
export type PublicationEntry = z.output<typeof PublicationSchema>

export interface PeriodSource {
  readonly period: string
  readonly url: string
  /** 1-based line of the entry in the config file. */
  readonly line: number
  /** Found by discovery (src/discover/): from url_template, or a link on this page. Absent for `urls` entries. */
  readonly discovered?: { readonly page?: string; readonly text?: string }
}

export interface Publication {
  readonly code: string
  readonly name: string
  readonly description?: string
  readonly canonicalManifest: string
  readonly contract: Contract
  readonly urls: readonly PeriodSource[]
  /** landing_page / url_template / periods / discover, resolved: where discovery looks for more periods. */
  readonly discovery?: Discovery
}

export interface ConfigProblem {
  readonly file: string
  readonly line: number
  readonly field: string
  readonly message: string
  /** The publication the problem belongs to; absent for problems that make the whole file unusable. */
  readonly publication?: string
}

export interface Config {
  readonly file: string
  /** The project root: config paths, local files and canonical manifests stay inside it. */
  readonly root: string
  /** Where local files may be read from: the root, then settings.allowed_folders (absolute). */
  readonly localRoots: readonly string[]
  /** The folder paths in the config are relative to. */
  readonly baseDir: string
  readonly settings: Settings
  readonly publications: readonly Publication[]
  /** Publications that could not be read, with why. A run reports them as failed and goes on. */
  readonly problems: readonly ConfigProblem[]
}

export function defaultCanonicalManifestPath(code: string): string {
  return `manifests/canonical/${code}/${code}_canonical.yaml`
}
