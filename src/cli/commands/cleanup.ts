import { resolve } from 'node:path'
import { formatCleanupReport, runCleanup } from '../../retention/index.js'
import { type Command, type CommonValues, databaseUrl } from '../command.js'

interface CleanupValues extends CommonValues {
  'dry-run': boolean
}

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'archive old event logs, delete finished run folders and exports not in the catalog',
  help: `Usage: datawarp cleanup [--dry-run] [--json]

  Event logs older than settings.retention.logs_days go into data/archive/logs/<YYYY-MM>.jsonl.gz; folders
  of finished runs in tmp/manifests/ are deleted (never one of a run in progress); Parquet files in
  data/exports/ that catalog.parquet does not list are deleted. Prints each file and the bytes per folder.

  --dry-run              show what would be archived and deleted; touch nothing`,
  options: {
    'dry-run': { type: 'boolean', default: false },
  },
  async run(raw) {
    const values = raw as unknown as CleanupValues
    const report = await runCleanup({
      configPath: resolve(values.config),
      root: resolve(values.root),
      databaseUrl: databaseUrl(values),
      dryRun: values['dry-run'],
    })
    process.stdout.write(
      values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCleanupReport(report)}\n`,
    )
    return 0
  },
}
