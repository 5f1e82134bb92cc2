import type { Command } from '../command.js'
import { cleanupCommand } from './cleanup.js'
import { exportCommand } from './export.js'
import { inspectCommand } from './inspect.js'
import { mcpCommand } from './mcp.js'
import { migrateCommand } from './migrate.js'
import { planCommand } from './plan.js'
import { runCommand } from './run.js'
import { siteCommand } from './site.js'
import { statusCommand } from './status.js'
import { validateCommand } from './validate.js'

/** Every `datawarp` command, in the order `--help` lists them. Add a command: a module here and a line below. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  planCommand,
  statusCommand,
  exportCommand,
  siteCommand,
  validateCommand,
  inspectCommand,
  mcpCommand,
  cleanupCommand,
  migrateCommand,
]
