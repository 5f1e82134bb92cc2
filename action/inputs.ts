import * as core from '@actions/core'

/**
 * Which part of a run the Action does. `run`: all of it (one job). A fan-out splits it across jobs: one `load` job
 * per publication in parallel (fetch, load, review pull requests; no export), then one `export` job (the Parquet
 * exports and the catalog, rebuilt once from the database, and their upload).
 */
export const STAGES = ['run', 'load', 'export'] as const
export type Stage = (typeof STAGES)[number]

/** The Action's inputs (action.yml), read and checked once. */
export interface ActionInputs {
  readonly stage: Stage
  readonly config: string
  readonly workingDirectory: string
  readonly publications?: string[]
  readonly periods?: string[]
  readonly force: boolean
  readonly dryRun: boolean
  readonly databaseUrl?: string
  readonly token?: string
  readonly baseBranch?: string
  readonly labels: string[]
  readonly pullRequests: boolean
  readonly uploadArtifacts: boolean
  /** Overrides settings.retention.artifact_days of the config. */
  readonly retentionDays?: number
  readonly llm: { readonly baseUrl?: string; readonly model?: string; readonly apiKey?: string }
}

export class InputError extends Error {}

type Get = (name: string) => string

/** A list input: comma- or newline-separated, blanks dropped. Undefined when empty. */
export function parseList(text: string): string[] | undefined {
  const items = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
  return items.length ? items : undefined
}

export function parseBoolean(name: string, text: string, fallback: boolean): boolean {
  const value = text.trim().toLowerCase()
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(`input "${name}" must be true or false, not "${text}"`)
}

export function parseRetentionDays(text: string): number | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const days = Number(value)
  if (!Number.isInteger(days) || days < 1 || days > 400)
    throw new InputError(`input "retention-days" must be a whole number of days from 1 to 400, not "${text}"`)
  return days
}

export function parseStage(text: string): Stage {
  const value = text.trim().toLowerCase() || 'run'
  if (!(STAGES as readonly string[]).includes(value))
    throw new InputError(`input "stage" must be ${STAGES.join(', ')}, not "${text}"`)
  return value as Stage
}

export function readInputs(get: Get = (name) => core.getInput(name)): ActionInputs {
  const text = (name: string) => get(name).trim()
  const optional = (name: string) => text(name) || undefined
  const stage = parseStage(get('stage'))
  const inputs: ActionInputs = {
    stage,
    config: text('config') || 'config/publications.yaml',
    workingDirectory: text('working-directory') || '.',
    publications: parseList(get('publications')),
    periods: parseList(get('periods')),
    force: parseBoolean('force', get('force'), false),
    dryRun: parseBoolean('dry-run', get('dry-run'), false),
    databaseUrl: optional('database-url'),
    token: optional('token'),
    baseBranch: optional('base-branch'),
    labels: parseList(get('labels')) ?? [],
    pullRequests: parseBoolean('pull-requests', get('pull-requests'), true),
    uploadArtifacts: parseBoolean('upload-artifacts', get('upload-artifacts'), true),
    retentionDays: parseRetentionDays(get('retention-days')),
    llm: {
      baseUrl: optional('llm-base-url'),
      model: optional('llm-model'),
      apiKey: optional('llm-api-key'),
    },
  }
  // The export stage loads nothing: a selection or --force would be silently ignored, so it is refused.
  if (stage === 'export') {
    const selecting = ['publications', 'periods'].filter((name) => text(name))
    if (inputs.force) selecting.push('force')
    if (selecting.length)
      throw new InputError(
        `stage "export" loads nothing, so ${selecting.map((n) => `"${n}"`).join(' and ')} cannot be set with it`,
      )
  }
  return inputs
}
