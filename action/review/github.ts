import { readFileSync } from 'node:fs'
import { getOctokit } from '@actions/github'

/** Where the Action runs, from the runner's GITHUB_* variables. */
export interface RunContext {
  readonly owner: string
  readonly repo: string
  readonly serverUrl: string
  readonly apiUrl: string
  readonly runId?: string
  /** The default branch named by the event that started the workflow, when it names one. */
  readonly eventDefaultBranch?: string
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) return undefined
  let eventDefaultBranch: string | undefined
  try {
    if (env.GITHUB_EVENT_PATH) {
      const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
      const branch = payload?.repository?.default_branch
      if (typeof branch === 'string' && branch) eventDefaultBranch = branch
    }
  } catch {}
  return {
    owner,
    repo,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    ...(env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
    ...(eventDefaultBranch ? { eventDefaultBranch } : {}),
  }
}

export function runUrl(ctx: RunContext): string | undefined {
  return ctx.runId ? `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}` : undefined
}

export interface PullRequest {
  readonly number: number
  readonly url: string
  readonly title: string
  readonly body: string
  readonly base: string
  readonly labels: readonly string[]
}

/** A refusal from the REST API, with what GitHub says it would have needed. */
export class ApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly apiMessage: string,
    /** The x-accepted-github-permissions header: the permissions the endpoint accepts, e.g. "pull_requests=write". */
    readonly acceptedPermissions?: string,
  ) {
    super(`${operation}: HTTP ${status} ${apiMessage}`)
  }
}

function apiError(operation: string, error: unknown): unknown {
  const e = error as {
    status?: number
    message?: string
    response?: { data?: { message?: string }; headers?: Record<string, string | number | undefined> }
  }
  if (typeof e?.status !== 'number') return error
  const accepted = e.response?.headers?.['x-accepted-github-permissions']
  return new ApiError(
    operation,
    e.status,
    e.response?.data?.message ?? e.message ?? '',
    accepted === undefined ? undefined : String(accepted),
  )
}

/** The few REST calls the review pull requests need. */
export class GitHubApi {
  private readonly octokit: ReturnType<typeof getOctokit>

  constructor(
    private readonly ctx: RunContext,
    token: string,
  ) {
    this.octokit = getOctokit(token, { baseUrl: ctx.apiUrl })
  }

  private get repo() {
    return { owner: this.ctx.owner, repo: this.ctx.repo }
  }

  private async call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw apiError(operation, error)
    }
  }

  /** The repository's default branch, and whether the token may push (only tokens acting for a user say). */
  async repository(): Promise<{ defaultBranch: string; canPush?: boolean }> {
    const { data } = await this.call('get the repository', () => this.octokit.rest.repos.get(this.repo))
    return {
      defaultBranch: data.default_branch,
      ...(data.permissions ? { canPush: data.permissions.push } : {}),
    }
  }

  async findOpenPull(branch: string): Promise<PullRequest | undefined> {
    const { data } = await this.call('list pull requests', () =>
      this.octokit.rest.pulls.list({
        ...this.repo,
        state: 'open',
        head: `${this.ctx.owner}:${branch}`,
        per_page: 100,
      }),
    )
    const pull = data.find((p) => p.head.ref === branch)
    return pull ? toPull(pull) : undefined
  }

  async createPull(fields: {
    title: string
    body: string
    head: string
    base: string
  }): Promise<PullRequest> {
    const { data } = await this.call('create a pull request', () =>
      this.octokit.rest.pulls.create({ ...this.repo, ...fields, maintainer_can_modify: false }),
    )
    return toPull(data)
  }

  async updatePull(
    number: number,
    fields: { title: string; body: string; base: string },
  ): Promise<PullRequest> {
    const { data } = await this.call('update a pull request', () =>
      this.octokit.rest.pulls.update({ ...this.repo, pull_number: number, ...fields }),
    )
    return toPull(data)
  }

  async closePull(number: number): Promise<void> {
    await this.call('close a pull request', () =>
      this.octokit.rest.pulls.update({ ...this.repo, pull_number: number, state: 'closed' }),
    )
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    if (labels.length === 0) return
    await this.call('label a pull request', () =>
      this.octokit.rest.issues.addLabels({ ...this.repo, issue_number: number, labels: [...labels] }),
    )
  }

  async comment(number: number, body: string): Promise<void> {
    await this.call('comment on a pull request', () =>
      this.octokit.rest.issues.createComment({ ...this.repo, issue_number: number, body }),
    )
  }

  /**
   * Asks GitHub whether this token may open pull requests, without opening one. GitHub has no endpoint that
   * lists an installation token's permissions, but it checks them before it validates a request: a pull request
   * from the base branch to itself is refused with 422 ("No commits between …") when the token may create pull
   * requests, and with 403 when it may not, or when the repository does not let GitHub Actions create them.
   */
  async probeCreatePull(base: string): Promise<ApiError | undefined> {
    try {
      await this.octokit.rest.pulls.create({
        ...this.repo,
        head: base,
        base,
        title: 'DataWarp permission check (never created)',
      })
      return undefined
    } catch (error) {
      const e = apiError('create a pull request', error)
      if (e instanceof ApiError && e.status === 422) return undefined
      if (e instanceof ApiError) return e
      throw e
    }
  }
}

function toPull(data: {
  number: number
  html_url: string
  title: string
  body?: string | null
  base: { ref: string }
  labels?: readonly ({ name?: string } | string)[]
}): PullRequest {
  return {
    number: data.number,
    url: data.html_url,
    title: data.title,
    body: data.body ?? '',
    base: data.base.ref,
    labels: (data.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
  }
}
