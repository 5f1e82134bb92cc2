import { ledgerStatus } from '../../db/index.js'
import type { Command, CommonValues } from '../command.js'
import { withDatabase } from '../database.js'

export const statusCommand: Command = {
  name: 'status',
  summary: 'the load ledger: each (publication, period), its latest load, rows and errors',
  help: 'Usage: datawarp status [--json]',
  options: {},
  async run(raw) {
    const values = raw as unknown as CommonValues
    const ledger = await withDatabase(values, (db) => ledgerStatus(db.pool))
    if (values.json) {
      process.stdout.write(`${JSON.stringify(ledger, null, 2)}\n`)
      return 0
    }
    if (ledger.length === 0) process.stdout.write('Nothing loaded yet.\n')
    for (const e of ledger) {
      const rows =
        e.status === 'loaded'
          ? `${(e.rows ?? 0).toLocaleString('en-GB')} rows`
          : e.status === 'held'
            ? (e.reason ?? '')
            : `failed: ${e.error}`
      process.stdout.write(
        `${e.publication.padEnd(28)} ${e.period.padEnd(10)} ${e.status.padEnd(7)} ${e.finishedAt}  ${rows}\n`,
      )
    }
    return 0
  },
}
