import { exportAll } from '../../export/index.js'
import { projectPaths } from '../../pipeline/index.js'
import type { Command, CommonValues } from '../command.js'
import { withDatabase } from '../database.js'

export const exportCommand: Command = {
  name: 'export',
  summary:
    'rebuild data/exports/<publication>/<source>/<period>.parquet, catalog.parquet and datapackage.json from the database alone',
  help: 'Usage: datawarp export [--json]',
  options: {},
  async run(raw) {
    const values = raw as unknown as CommonValues
    const result = await withDatabase(values, (db) => exportAll(db.pool, projectPaths(values.root).exports))
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
      return 0
    }
    for (const s of result.sources) {
      process.stdout.write(`${s.sourceCode.padEnd(48)} ${s.rows.toLocaleString('en-GB')} rows → ${s.path}\n`)
    }
    for (const r of result.removed) process.stdout.write(`removed stale ${r}\n`)
    process.stdout.write(`catalog: ${result.catalogPath}\n`)
    process.stdout.write(`data package: ${result.dataPackagePath}\n`)
    return 0
  },
}
