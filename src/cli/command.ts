import type { ParseArgsConfig } from 'node:util'

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

/** One `datawarp <name>` command: its help text, its options, and what it does. Returns the exit code. */
export interface Command {
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** Usage and option lines shown by `datawarp <name> --help`. */
  readonly help: string
  readonly options: OptionSpec
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  config: { type: 'string', default: 'config/publications.yaml' },
  root: { type: 'string', default: '.' },
  'database-url': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
}

export const COMMON_HELP = `Common options:
  --config <file>        publications config (default: config/publications.yaml)
  --root <dir>           project root holding data/, tmp/ and manifests/ (default: current directory)
  --database-url <url>   PostgreSQL to use (default: $DATABASE_URL, else an embedded server in data/db/)
  --json                 machine-readable output
  -h, --help             help`

export interface CommonValues {
  config: string
  root: string
  'database-url'?: string
  json: boolean
}

export function databaseUrl(values: CommonValues): string | undefined {
  return values['database-url'] ?? process.env.DATABASE_URL
}
