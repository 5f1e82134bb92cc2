import { type Git, GitError, type GitResult } from './git.js'
import { ApiError, type GitHubApi } from './github.js'

/** What a token can lack for review pull requests, in the words the workflow file and settings page use. */
export type Missing = 'contents: write' | 'pull-requests: write' | 'actions-create-pull-requests'

const WHY: Record<Missing, string> = {
  'contents: write': '`contents: write`, to push the review branches (`datawarp/manifest/<publication>`)',
  'pull-requests: write': '`pull-requests: write`, to open, update, label and close the review pull requests',
  'actions-create-pull-requests':
    'the repository setting "Allow GitHub Actions to create and approve pull requests" (Settings → Actions → General → Workflow permissions; in an organisation it must be allowed there first), which is off: GitHub refuses pull requests opened with the workflow\'s GITHUB_TOKEN',
}

export class PermissionError extends Error {
  constructor(
    readonly missing: readonly Missing[],
    publications: readonly string[],
  ) {
    const scopes = missing.filter((m) => m !== 'actions-create-pull-requests')
    const lines = [
      `DataWarp cannot ${publications.length ? `propose the canonical manifest changes of ${publications.join(', ')} for review` : 'manage its review pull requests'}: it needs`,
      ...missing.map((m) => `- ${WHY[m]}`),
    ]
    if (scopes.length)
      lines.push(
        '',
        'Give the job that runs DataWarp these permissions:',
        '',
        '    permissions:',
        ...['contents: write', 'pull-requests: write'].map((s) => `      ${s}`),
      )
    lines.push(
      '',
      scopes.length
        ? 'or pass a personal access token or GitHub App token that has them as the `token` input.'
        : 'or pass a personal access token or GitHub App token as the `token` input: the setting applies only to GITHUB_TOKEN.',
      'The run itself is done: what it loaded stays loaded, and held periods stay held until the change is reviewed.',
    )
    super(lines.join('\n'))
  }
}

/** A git failure that is the server refusing to let this token write. */
export function isWriteDenied(result: GitResult): boolean {
  return /\b403\b|permission to .* denied|write access to repository not granted|not allowed to push|denied to /i.test(
    `${result.stderr}\n${result.stdout}`,
  )
}

/** What a 403 from a pull request call means. */
export function missingFor(error: ApiError): Missing {
  return /not permitted to create or approve pull requests/i.test(error.apiMessage)
    ? 'actions-create-pull-requests'
    : 'pull-requests: write'
}

export interface PermissionPlan {
  readonly base: string
  /** A branch this run will push, to ask the server about write access. */
  readonly push?: { readonly commit: string; readonly branch: string }
  /** Whether any pull request will be opened (the repository setting matters only then). */
  readonly create: boolean
  /** Whether any pull request will be opened, updated or closed. */
  readonly pulls: boolean
  /** From GET /repos/{owner}/{repo}: false when a user's token has no push access. */
  readonly canPush?: boolean
}

/**
 * Checks, before anything is pushed or opened, that the token can do what this run's review pull requests need,
 * and throws a PermissionError naming exactly what is missing. Nothing here changes the repository.
 */
export async function checkPermissions(
  api: GitHubApi,
  git: Git,
  plan: PermissionPlan,
  publications: readonly string[],
): Promise<void> {
  const missing = new Set<Missing>()
  if (plan.push && plan.canPush === false) missing.add('contents: write')
  if (plan.push && !missing.has('contents: write')) {
    const result = await git.pushDryRun(plan.push.commit, plan.push.branch)
    if (result.code !== 0) {
      if (!isWriteDenied(result)) throw new GitError(['push', '--dry-run'], result)
      missing.add('contents: write')
    }
  }
  if (plan.pulls) {
    const refusal = await api.probeCreatePull(plan.base)
    if (refusal && refusal.status !== 403) throw refusal
    if (refusal) {
      const what = missingFor(refusal)
      if (what === 'pull-requests: write' || plan.create) missing.add(what)
    }
  }
  if (missing.size) throw new PermissionError([...missing], publications)
}

/** The same wording for a refusal met later, so a raw 403 never reaches the log. */
export function explainRefusal(error: unknown, publications: readonly string[]): unknown {
  if (error instanceof ApiError && error.status === 403)
    return new PermissionError([missingFor(error)], publications)
  if (error instanceof GitError && isWriteDenied(error.result))
    return new PermissionError(['contents: write'], publications)
  return error
}
