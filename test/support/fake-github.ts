import { execFileSync } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  checkRequest,
  checkResponse,
  example,
  findOperation,
  type Operation,
  responseSchema,
} from './openapi.js'

/** What the token of a test run may do, as GitHub would decide it. */
export interface FakePermissions {
  contents: 'read' | 'write'
  pullRequests: 'read' | 'write'
  /** The repository setting "Allow GitHub Actions to create and approve pull requests". */
  actionsCanCreatePullRequests: boolean
  /** GET /repos/{owner}/{repo} includes `permissions` only for a token acting for a user (a PAT). */
  userPermissions?: { push: boolean }
}

export interface FakePull {
  number: number
  title: string
  body: string
  head: string
  base: string
  state: 'open' | 'closed'
  merged: boolean
  labels: string[]
  comments: string[]
}

export interface RecordedRequest {
  method: string
  path: string
  operation?: string
  query: Record<string, string>
  body: unknown
  status: number
}

const DOCS = 'https://docs.github.com/rest'

/**
 * A local stand-in for GitHub's REST API, implementing only the operations the Action calls, with GitHub's rules
 * for them (permissions, the Actions pull request setting, one open pull request per head and base, no empty pull
 * requests, the body limit). Every request and every response is checked against GitHub's OpenAPI description;
 * anything that does not conform is recorded in `violations` (and a bad request is refused with 422).
 *
 * It also plays GitHub's git server for one purpose: refusing a push (HTTP 403, as GitHub does for a token without
 * contents: write) at `<url>/git/<owner>/<repo>.git`.
 */
export class FakeGitHub {
  readonly pulls: FakePull[] = []
  readonly requests: RecordedRequest[] = []
  readonly violations: string[] = []
  /** The Authorization header of each request to the git server. */
  readonly gitAuthorizations: string[] = []
  permissions: FakePermissions = {
    contents: 'write',
    pullRequests: 'write',
    actionsCanCreatePullRequests: true,
  }
  url = ''
  private server?: Server

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly token: string,
    /** The bare repository playing the GitHub repository: branches are looked up there. */
    readonly bareRepo: string,
    readonly defaultBranch = 'main',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = ''
      req.on('data', (chunk) => {
        text += chunk
      })
      req.on('end', () => this.handle(req, res, text))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** The URL of the git server that refuses pushes. */
  get refusingGitUrl(): string {
    return `${this.url}/git/${this.owner}/${this.repo}.git`
  }

  /** Requests that changed something (everything but GET). */
  writes(since = 0): RecordedRequest[] {
    return this.requests.slice(since).filter((r) => r.method !== 'GET')
  }

  private branchSha(branch: string): string | undefined {
    try {
      return execFileSync(
        'git',
        ['--git-dir', this.bareRepo, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`],
        {
          encoding: 'utf8',
        },
      ).trim()
    } catch {
      return undefined
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', this.url)
    if (url.pathname.startsWith('/git/')) {
      this.gitAuthorizations.push(req.headers.authorization ?? '')
      // GitHub's answer to a push with a token that lacks contents: write.
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Write access to repository not granted.\n')
      return
    }
    const method = req.method ?? 'GET'
    const found = findOperation(method, url.pathname)
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      status: 0,
    }
    this.requests.push(record)
    const send: Send = (status, body, headers = {}) => {
      record.status = status
      if (found) {
        for (const problem of checkResponse(found.operation, status, body))
          this.violations.push(`${found.operation.id} → ${problem}`)
      }
      res
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        .end(body === undefined ? '' : JSON.stringify(body))
    }
    if (!found) {
      this.violations.push(`${method} ${url.pathname}: not an operation of the vendored subset`)
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }))
      return
    }
    record.operation = found.operation.id
    if (req.headers.authorization !== `token ${this.token}`) {
      this.violations.push(`${found.operation.id}: authorization header is not the Action's token`)
    }
    let body: unknown
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      this.violations.push(`${found.operation.id}: request body is not JSON`)
    }
    record.body = body
    const problems = checkRequest(found.operation, { params: found.params, query: url.searchParams, body })
    if (found.params.owner !== this.owner || found.params.repo !== this.repo)
      problems.push(`repository ${found.params.owner}/${found.params.repo} is not ${this.owner}/${this.repo}`)
    if (problems.length) {
      this.violations.push(...problems.map((p) => `${found.operation.id} request: ${p}`))
      send(422, { message: 'Validation Failed', documentation_url: DOCS, errors: [] })
      return
    }
    this.dispatch(found.operation, found.params, url.searchParams, body as Record<string, unknown>, send)
  }

  private forbidden(send: Send, message: string, accepted?: string): undefined {
    return send(
      403,
      { message, documentation_url: DOCS, status: '403' },
      accepted ? { 'x-accepted-github-permissions': accepted } : {},
    )
  }

  private invalid(send: Send, message: string, field?: string): undefined {
    return send(422, {
      message: 'Validation Failed',
      documentation_url: DOCS,
      errors: [
        { resource: 'PullRequest', code: field ? 'invalid' : 'custom', ...(field ? { field } : {}), message },
      ],
    })
  }

  private dispatch(
    operation: Operation,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Record<string, unknown>,
    send: Send,
  ): undefined {
    const pullNumber = Number(params.pull_number ?? params.issue_number)
    const pull = this.pulls.find((p) => p.number === pullNumber)
    const canWritePulls = this.permissions.pullRequests === 'write'
    switch (operation.id) {
      case 'repos/get':
        return send(200, this.repository())
      case 'pulls/list': {
        const state = query.get('state') ?? 'open'
        const head = query.get('head')
        const list = this.pulls.filter(
          (p) => (state === 'all' || p.state === state) && (!head || head === `${this.owner}:${p.head}`),
        )
        return send(
          200,
          list.map((p) => this.pullRequest(p, 'pulls/list')),
        )
      }
      case 'pulls/create': {
        if (!canWritePulls)
          return this.forbidden(send, 'Resource not accessible by integration', 'pull_requests=write')
        if (!this.permissions.actionsCanCreatePullRequests)
          return this.forbidden(send, 'GitHub Actions is not permitted to create or approve pull requests.')
        const head = String(body.head)
        const base = String(body.base)
        if (!this.branchSha(base)) return this.invalid(send, 'base is invalid', 'base')
        if (!this.branchSha(head)) return this.invalid(send, 'head is invalid', 'head')
        if (head === base || this.branchSha(head) === this.branchSha(base))
          return this.invalid(send, `No commits between ${base} and ${head}`)
        if (this.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base))
          return this.invalid(send, `A pull request already exists for ${this.owner}:${head}.`)
        if (typeof body.body === 'string' && body.body.length > 65_536)
          return this.invalid(send, 'body is too long (maximum is 65536 characters)')
        const created: FakePull = {
          number: this.pulls.length + 1,
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : '',
          head,
          base,
          state: 'open',
          merged: false,
          labels: [],
          comments: [],
        }
        this.pulls.push(created)
        return send(201, this.pullRequest(created, 'pulls/create', 201))
      }
      case 'pulls/update': {
        if (!canWritePulls)
          return this.forbidden(send, 'Resource not accessible by integration', 'pull_requests=write')
        if (!pull) return this.invalid(send, 'no such pull request')
        if (typeof body.body === 'string' && body.body.length > 65_536)
          return this.invalid(send, 'body is too long (maximum is 65536 characters)')
        if (typeof body.title === 'string') pull.title = body.title
        if (typeof body.body === 'string') pull.body = body.body
        if (typeof body.base === 'string') pull.base = body.base
        if (body.state === 'closed' || body.state === 'open') pull.state = body.state
        return send(200, this.pullRequest(pull, 'pulls/update'))
      }
      case 'issues/add-labels': {
        if (!pull) return send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' })
        const labels = (body.labels as string[]) ?? []
        for (const l of labels) if (!pull.labels.includes(l)) pull.labels.push(l)
        return send(
          200,
          pull.labels.map((name, i) => ({
            ...((example(responseSchema('issues/add-labels', 200)) as unknown[])[0] as object),
            ...this.label(name, i + 1),
          })),
        )
      }
      case 'issues/create-comment': {
        if (!canWritePulls)
          return this.forbidden(
            send,
            'Resource not accessible by integration',
            'issues=write; pull_requests=write',
          )
        if (!pull) return send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' })
        pull.comments.push(String(body.body))
        const comment = example(responseSchema('issues/create-comment', 201)) as Record<string, unknown>
        return send(201, {
          ...comment,
          id: pull.comments.length,
          node_id: `IC_${pull.comments.length}`,
          url: `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${pull.comments.length}`,
          html_url: `${this.url}/${this.owner}/${this.repo}/pull/${pull.number}#issuecomment-${pull.comments.length}`,
          issue_url: `${this.url}/repos/${this.owner}/${this.repo}/issues/${pull.number}`,
          body: String(body.body),
          user: this.user(),
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        })
      }
    }
    return send(500, { message: `the fake does not implement ${operation.id}` })
  }

  private user() {
    return {
      ...(example(responseSchema('pulls/create', 201)) as { user: object }).user,
      login: 'github-actions[bot]',
      id: 41898282,
      node_id: 'MDM6Qm90NDE4OTgyODI=',
      type: 'Bot',
      avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
      url: `${this.url}/users/github-actions%5Bbot%5D`,
      html_url: 'https://github.com/apps/github-actions',
      events_url: `${this.url}/users/github-actions%5Bbot%5D/events{/privacy}`,
      followers_url: `${this.url}/users/github-actions%5Bbot%5D/followers`,
      following_url: `${this.url}/users/github-actions%5Bbot%5D/following{/other_user}`,
      gists_url: `${this.url}/users/github-actions%5Bbot%5D/gists{/gist_id}`,
      organizations_url: `${this.url}/users/github-actions%5Bbot%5D/orgs`,
      received_events_url: `${this.url}/users/github-actions%5Bbot%5D/received_events`,
      repos_url: `${this.url}/users/github-actions%5Bbot%5D/repos`,
      starred_url: `${this.url}/users/github-actions%5Bbot%5D/starred{/owner}{/repo}`,
      subscriptions_url: `${this.url}/users/github-actions%5Bbot%5D/subscriptions`,
    }
  }

  private label(name: string, id: number) {
    return {
      id,
      node_id: `LA_${id}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/labels/${encodeURIComponent(name)}`,
      name,
      description: '',
      color: 'ededed',
      default: false,
    }
  }

  private repository(): Record<string, unknown> {
    const base = example(responseSchema('repos/get', 200)) as Record<string, unknown>
    const full = `${this.owner}/${this.repo}`
    const { permissions: _none, ...rest } = base
    return {
      ...rest,
      id: 1,
      node_id: 'R_1',
      name: this.repo,
      full_name: full,
      owner: { ...this.user(), login: this.owner, type: 'Organization' },
      private: false,
      html_url: `${this.url}/${full}`,
      url: `${this.url}/repos/${full}`,
      default_branch: this.defaultBranch,
      visibility: 'public',
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      pushed_at: '2026-01-01T00:00:00Z',
      ...(this.permissions.userPermissions
        ? {
            permissions: {
              admin: false,
              maintain: false,
              push: this.permissions.userPermissions.push,
              triage: this.permissions.userPermissions.push,
              pull: true,
            },
          }
        : {}),
    }
  }

  private pullRequest(p: FakePull, operationId: string, status = 200): Record<string, unknown> {
    const shape = example(responseSchema(operationId, status)) as Record<string, unknown>
    const base =
      (Array.isArray(shape) ? shape[0] : shape) ?? (example(responseSchema('pulls/create', 201)) as object)
    const api = `${this.url}/repos/${this.owner}/${this.repo}`
    const ref = (branch: string) => ({
      label: `${this.owner}:${branch}`,
      ref: branch,
      sha: this.branchSha(branch) ?? '0'.repeat(40),
      user: this.user(),
      repo: this.repository(),
    })
    return {
      ...base,
      url: `${api}/pulls/${p.number}`,
      id: p.number,
      node_id: `PR_${p.number}`,
      html_url: `${this.url}/${this.owner}/${this.repo}/pull/${p.number}`,
      diff_url: `${this.url}/${this.owner}/${this.repo}/pull/${p.number}.diff`,
      patch_url: `${this.url}/${this.owner}/${this.repo}/pull/${p.number}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      commits_url: `${api}/pulls/${p.number}/commits`,
      review_comments_url: `${api}/pulls/${p.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${p.number}/comments`,
      statuses_url: `${api}/statuses/${this.branchSha(p.head) ?? '0'.repeat(40)}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(),
      body: p.body,
      labels: p.labels.map((name, i) => this.label(name, i + 1)),
      created_at: '2026-01-01T00:00:00Z',
      updated_at: new Date().toISOString(),
      closed_at: p.state === 'closed' ? new Date().toISOString() : null,
      merged_at: p.merged ? new Date().toISOString() : null,
      head: ref(p.head),
      base: ref(p.base),
      _links: Object.fromEntries(
        ['comments', 'commits', 'statuses', 'html', 'issue', 'review_comments', 'review_comment', 'self'].map(
          (k) => [k, { href: `${api}/pulls/${p.number}/${k}` }],
        ),
      ),
      author_association: 'NONE',
      draft: false,
      ...(operationId === 'pulls/list'
        ? {}
        : {
            merged: p.merged,
            mergeable: null,
            mergeable_state: 'unknown',
            comments: p.comments.length,
            review_comments: 0,
            maintainer_can_modify: false,
            commits: 1,
            additions: 1,
            deletions: 0,
            changed_files: 1,
          }),
    }
  }
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => undefined
