import { parseArgs } from 'node:util'
import { ConfigError } from '../config/index.js'
import { COMMON_HELP, COMMON_OPTIONS, type Command } from './command.js'
import { COMMANDS } from './commands/index.js'

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return `datawarp — turns published statistics into a reviewed PostgreSQL database

Usage: datawarp <command> [options]        datawarp <command> --help for its options

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n')}

${COMMON_HELP}

Exit codes: 0 success, 1 something failed (the summary says what), 2 bad usage or an unreadable config.
`
}

const commandHelp = (command: Command) => `${command.help}\n\n${COMMON_HELP}\n`

/** The CLI only adapts a terminal: it parses arguments, calls a command, and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const name = argv[0]
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview())
    return name ? 0 : 2
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${overview()}`)
    return 2
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...command.options },
    })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${commandHelp(command)}`)
    return 2
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(command))
    return 0
  }
  try {
    return await command.run(parsed.values as Record<string, unknown>, parsed.positionals)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    process.stderr.write(`datawarp ${name}: ${(error as Error).message}\n`)
    return 1
  }
}
