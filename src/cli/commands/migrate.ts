import { resolve } from 'node:path'
import { formatMigrationReport, MigrationError, migrate } from '../../migrate/index.js'
import { type Command, type CommonValues, databaseUrl } from '../command.js'

interface MigrateValues extends CommonValues {
  'dry-run': boolean
  'remove-old': boolean
}

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'move a deployment of the old pipeline (period manifests, old config, state.json) to this layout',
  help: `Usage: datawarp migrate [--dry-run] [--remove-old] [--json]

  Works in place on the project under --root: one canonical manifest per publication from its period
  manifests, config/publications.yaml in the new shape (the original kept as config/publications.legacy.yaml),
  .gitignore, output/ state/ logs/ under data/legacy/, state.json into the ledger (with a database). Prints what
  became of every file. Running it again changes nothing.

  --dry-run              print the plan; write nothing
  --remove-old           delete the old files once everything is migrated`,
  options: {
    'dry-run': { type: 'boolean', default: false },
    'remove-old': { type: 'boolean', default: false },
  },
  async run(raw) {
    const values = raw as unknown as MigrateValues
    try {
      const report = await migrate({
        root: resolve(values.root),
        dryRun: values['dry-run'],
        removeOld: values['remove-old'],
        databaseUrl: databaseUrl(values),
      })
      process.stdout.write(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatMigrationReport(report)}\n`,
      )
      return report.failed ? 1 : 0
    } catch (error) {
      if (!(error instanceof MigrationError)) throw error
      process.stderr.write(`datawarp migrate: ${error.message}\n`)
      return 2
    }
  },
}
