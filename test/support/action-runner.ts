import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO } from './cli.js'

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    },
  }).trim()
}

/**
 * The committed Action as a runner gets it: action.yml and dist/ copied into a folder of their own, outside any
 * node_modules, so the bundle must stand alone (as it does under `uses: owner/datawarp@v1`).
 */
export function installAction(into = mkdtempSync(join(tmpdir(), 'datawarp-action-'))): string {
  cpSync(join(REPO, 'dist'), join(into, 'dist'), { recursive: true })
  cpSync(join(REPO, 'action.yml'), join(into, 'action.yml'))
  return into
}

/** A bare repository (the GitHub repository) seeded with files on main, and a function for fresh clones of it. */
export class TestRepository {
  readonly bare: string
  private readonly seed: string

  constructor(readonly dir: string) {
    this.bare = join(dir, 'origin.git')
    this.seed = join(dir, 'seed')
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', this.bare)
    git(dir, 'clone', '--quiet', this.bare, this.seed)
    git(this.seed, 'symbolic-ref', 'HEAD', 'refs/heads/main')
  }

  /** Commits files to main of origin, as a maintainer pushing (or merging) would. */
  commit(files: Record<string, string>, message: string): string {
    if (git(this.seed, 'ls-remote', '--heads', 'origin', 'main'))
      git(this.seed, 'pull', '--quiet', '--ff-only', 'origin', 'main')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(this.seed, path, '..'), { recursive: true })
      writeFileSync(join(this.seed, path), text)
    }
    git(this.seed, 'add', '-A')
    git(this.seed, 'commit', '--quiet', '-m', message)
    git(this.seed, 'push', '--quiet', 'origin', 'HEAD:main')
    return git(this.seed, 'rev-parse', 'HEAD')
  }

  /** Merges a branch into main of origin (a fast-forward when it was built on main). */
  merge(branch: string): void {
    git(this.seed, 'pull', '--quiet', '--ff-only', 'origin', 'main')
    git(this.seed, 'fetch', '--quiet', 'origin', branch)
    git(this.seed, 'merge', '--quiet', '--no-edit', 'FETCH_HEAD')
    git(this.seed, 'push', '--quiet', 'origin', 'HEAD:main')
  }

  /** What actions/checkout leaves: a shallow clone (depth 1, its default) of main in a fresh workspace. */
  checkout(): string {
    const workspace = mkdtempSync(join(this.dir, 'workspace-'))
    git(this.dir, 'clone', '--quiet', '--depth=1', '--branch', 'main', `file://${this.bare}`, workspace)
    return workspace
  }

  branches(): string[] {
    return git(this.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/')
      .split('\n')
      .filter(Boolean)
      .sort()
  }

  sha(ref: string): string {
    return git(this.bare, 'rev-parse', ref)
  }
}

export interface ActionRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  /** Workflow commands the Action printed (::error …::message), by command. */
  readonly commands: { command: string; properties: string; message: string }[]
}

/** GITHUB_OUTPUT: name<<delimiter, value lines, delimiter. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!)
    outputs[m[1]!] = value.join('\n')
  }
  return outputs
}

const unescapeCommand = (s: string) => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')

/**
 * Runs the Action's dist/index.js as the runner does: a node process in the workspace with INPUT_<NAME> for each
 * input (hyphens kept, as the runner does), the GITHUB_* variables, and files for outputs and the job summary.
 */
export async function runAction(options: {
  actionDir: string
  workspace: string
  inputs: Record<string, string>
  env?: Record<string, string>
  node?: string[]
  runId?: number
  event?: Record<string, unknown>
  /** Where the runner's files (outputs, summary, RUNNER_TEMP) go: a folder the test removes. */
  tempDir: string
}): Promise<ActionRun> {
  const files = mkdtempSync(join(options.tempDir, 'runner-'))
  const output = join(files, 'output')
  const summary = join(files, 'summary.md')
  const eventPath = join(files, 'event.json')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  writeFileSync(eventPath, JSON.stringify(options.event ?? {}))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? files,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_RUN_ID: String(options.runId ?? 1000),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTION_PATH: options.actionDir,
    RUNNER_TEMP: files,
    ...options.env,
  }
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const [command, ...args] = options.node ?? [process.execPath]
  const child = spawn(command!, [...args, join(options.actionDir, 'dist', 'index.js')], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const commands = [...stdout.matchAll(/^::([a-z-]+)( [^:]*)?::(.*)$/gm)].map((m) => ({
    command: m[1]!,
    properties: m[2]?.trim() ?? '',
    message: unescapeCommand(m[3]!),
  }))
  return {
    code,
    stdout,
    stderr,
    outputs: existsSync(output) ? parseOutputs(readFileSync(output, 'utf8')) : {},
    summary: readFileSync(summary, 'utf8'),
    commands,
  }
}
