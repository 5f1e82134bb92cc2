import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const REPO = new URL('../..', import.meta.url).pathname.replace(/\/$/, '')
const BIN = join(REPO, 'bin', 'datawarp.js')

function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/** The CLI runs from build/: rebuild when any source is newer, so end-to-end tests run the current code. */
export function ensureBuilt(): void {
  let built = 0
  try {
    built = newest(join(REPO, 'build'))
  } catch {}
  if (built < newest(join(REPO, 'src')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO })
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `datawarp <args>` in a project folder, as a user would. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const child = startCli(args, options)
  return finished(child)
}

export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, ...options.env }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}
