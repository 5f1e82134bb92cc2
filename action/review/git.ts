import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getExecOutput } from '@actions/exec'

export interface GitResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: GitResult,
  ) {
    super(`git ${args[0]} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`)
  }
}

/** Who commits the proposed manifests. */
export const BOT = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
}

/**
 * Git in the checked-out repository, without touching its working tree, index or HEAD: review branches are
 * built with plumbing (a private index, commit-tree) so the run's other changes stay where they are.
 *
 * Pushes authenticate with the Action's token through GIT_CONFIG_* variables (never the command line, never
 * saved): the checkout's own credential header for the server is reset first, so a PAT or App token given as
 * `token` is the one used.
 */
export class Git {
  private readonly env: Record<string, string>

  constructor(
    readonly cwd: string,
    auth?: { serverUrl: string; token: string },
  ) {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
    env.GIT_TERMINAL_PROMPT = '0'
    env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = BOT.name
    env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = BOT.email
    if (auth) {
      const key = `http.${auth.serverUrl.replace(/\/*$/, '/')}.extraheader`
      const basic = Buffer.from(`x-access-token:${auth.token}`).toString('base64')
      const extra: [string, string][] = [
        [key, ''],
        [key, `AUTHORIZATION: basic ${basic}`],
      ]
      const start = Number(env.GIT_CONFIG_COUNT ?? 0)
      extra.forEach(([k, v], i) => {
        env[`GIT_CONFIG_KEY_${start + i}`] = k
        env[`GIT_CONFIG_VALUE_${start + i}`] = v
      })
      env.GIT_CONFIG_COUNT = String(start + extra.length)
    }
    this.env = env
  }

  async run(args: string[], options: { env?: Record<string, string>; allowFail?: boolean } = {}) {
    const result = await getExecOutput('git', args, {
      cwd: this.cwd,
      env: { ...this.env, ...options.env },
      silent: true,
      ignoreReturnCode: true,
    })
    const out: GitResult = { code: result.exitCode, stdout: result.stdout, stderr: result.stderr }
    if (out.code !== 0 && !options.allowFail) throw new GitError(args, out)
    return out
  }

  async text(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.trim()
  }

  /** The object an expression names (a commit, `<rev>:<path>` for a blob), or undefined when there is none. */
  async resolve(expression: string): Promise<string | undefined> {
    const result = await this.run(['rev-parse', '--verify', '--quiet', expression], { allowFail: true })
    return result.code === 0 ? result.stdout.trim() : undefined
  }

  topLevel(): Promise<string> {
    return this.text(['rev-parse', '--show-toplevel'])
  }

  /** Writes the file's content to the object database; returns its blob id. */
  hashFile(path: string): Promise<string> {
    return this.text(['hash-object', '-w', '--', path])
  }

  /** Fetches a branch of origin into refs/remotes/origin/<branch>; its commit, or undefined when it has none. */
  async fetchBranch(branch: string): Promise<string | undefined> {
    const remote = await this.run(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`])
    const sha = remote.stdout.split(/\s/)[0]
    if (!sha) return undefined
    const shallow = (await this.text(['rev-parse', '--is-shallow-repository'])) === 'true'
    await this.run([
      'fetch',
      '--no-tags',
      '--quiet',
      ...(shallow ? ['--depth=1'] : []),
      'origin',
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ])
    return sha
  }

  /** A commit on `parent` whose tree is the parent's with one file replaced by `blob`. */
  async commitFile(parent: string, path: string, blob: string, message: string): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'datawarp-index-'))
    try {
      const env = { GIT_INDEX_FILE: join(dir, 'index') }
      await this.run(['read-tree', parent], { env })
      await this.run(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env })
      const tree = (await this.run(['write-tree'], { env })).stdout.trim()
      return (
        await this.run(['commit-tree', '--no-gpg-sign', tree, '-p', parent, '-m', message])
      ).stdout.trim()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  /**
   * Whether the branch's commit already is this proposal: the same parent and the same tree. Read from the raw
   * commit object, since in a shallow clone (actions/checkout's default) the parent itself is not there.
   */
  async sameCommitContent(existing: string, proposal: string): Promise<boolean> {
    const header = async (commit: string) => {
      const raw = await this.text(['cat-file', 'commit', commit])
      const lines = raw.split('\n\n')[0]!.split('\n')
      return {
        tree: lines.find((l) => l.startsWith('tree '))?.slice(5),
        parents: lines.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7)),
      }
    }
    const [a, b] = await Promise.all([header(existing), header(proposal)])
    return a.tree === b.tree && a.parents.join(' ') === b.parents.join(' ')
  }

  /** `git push --dry-run`: asks the server for write access without changing anything. */
  pushDryRun(commit: string, branch: string): Promise<GitResult> {
    return this.run(['push', '--dry-run', '--force', 'origin', `${commit}:refs/heads/${branch}`], {
      allowFail: true,
    })
  }

  /** Force-pushes, but only over the commit this run saw there (or onto no branch at all). */
  async forcePush(commit: string, branch: string, expected: string | undefined): Promise<void> {
    await this.run([
      'push',
      '--quiet',
      `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
      'origin',
      `${commit}:refs/heads/${branch}`,
    ])
  }

  async deleteBranch(branch: string): Promise<void> {
    await this.run(['push', '--quiet', 'origin', '--delete', `refs/heads/${branch}`], { allowFail: true })
  }
}
