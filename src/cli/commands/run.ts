import { resolve } from 'node:path'
import { runPipeline } from '../../pipeline/index.js'
import { type Command, type CommonValues, databaseUrl } from '../command.js'
import { formatSummary } from '../summary.js'

interface RunValues extends CommonValues {
  pub?: string[]
  period?: string[]
  force: boolean
  'dry-run': boolean
}

function progress():
  | ((publication: string, period: string, source: string, rows: number) => void)
  | undefined {
  if (!process.stderr.isTTY) return undefined
  let last = 0
  return (publication, period, source, rows) => {
    const now = Date.now()
    if (now - last < 200) return
    last = now
    process.stderr.write(`\r\x1b[K${publication} ${period} ${source}: ${rows.toLocaleString('en-GB')} rows`)
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'fetch, extract and load every new (publication, period); export Parquet and the catalog',
  help: `Usage: datawarp run [--pub CODE]... [--period P]... [--force] [--dry-run] [--json]

  --pub <code>           only this publication (repeatable)
  --period <period>      only this period, e.g. 2025-11 (repeatable)
  --force                reload periods even when unchanged
  --dry-run              fetch and compare with the canonical manifests, but write nothing`,
  options: {
    pub: { type: 'string', multiple: true },
    period: { type: 'string', multiple: true },
    force: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
  async run(raw) {
    const values = raw as unknown as RunValues
    const onRows = progress()
    const summary = await runPipeline({
      configPath: resolve(values.config),
      root: resolve(values.root),
      databaseUrl: databaseUrl(values),
      publications: values.pub,
      periods: values.period,
      force: values.force,
      dryRun: values['dry-run'],
      onRows,
      // The LLM key is read here, by the name settings.llm.api_key_env gives, and passed down as a value.
      env: process.env,
      onEvent: process.stderr.isTTY
        ? (e) => {
            if (e.event === 'fetch.start' || e.event === 'load.start')
              process.stderr.write(`\r\x1b[K${e.publication} ${e.period}: ${String(e.event).split('.')[0]}…`)
          }
        : undefined,
    })
    if (onRows) process.stderr.write('\r\x1b[K')
    process.stdout.write(
      values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
    )
    if (summary.errorStage === 'config') return 2
    return summary.failed ? 1 : 0
  },
}
