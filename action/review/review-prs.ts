import { existsSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'
import type { Config } from '../../src/model/config.js'
import { type PublicationOutcome, publicationFailed, type RunSummary } from '../../src/pipeline/index.js'
import { driftReport, heldPeriods, publicationChanges } from '../outcome-view.js'
import type { Git } from './git.js'
import { type GitHubApi, type PullRequest, type RunContext, runUrl } from './github.js'
import { checkPermissions, explainRefusal, PermissionError } from './permissions.js'
import { reviewBody, reviewTitle } from './pr-body.js'

export const reviewBranch = (publication: string) => `datawarp/manifest/${publication}`

export interface ReviewOutcome {
  readonly publication: string
  readonly manifestPath: string
  readonly branch: string
  /** opened / updated: the pull request proposes the change; closed: the change no longer differs from the base. */
  readonly action: 'opened' | 'updated' | 'closed'
  readonly number: number
  readonly url: string
}

export interface ReviewOptions {
  readonly summary: RunSummary
  readonly config: Config
  /** The project root the config's canonical manifest paths are relative to. */
  readonly root: string
  readonly ctx: RunContext
  readonly api: GitHubApi
  readonly git: Git
  readonly baseBranch?: string
  /**
   * The run covered only some periods (the periods input): its manifests show only those periods' changes, so
   * open review pull requests are left as they are; one is only opened where none is.
   */
  readonly partial?: boolean
  readonly labels: readonly string[]
  readonly artifacts: readonly { readonly name: string; readonly url?: string }[]
  /** Applied to every text sent to GitHub. */
  readonly redact: (text: string) => string
  readonly info: (message: string) => void
}

interface Plan {
  readonly outcome: PublicationOutcome
  readonly manifestPath: string
  readonly branch: string
  readonly open?: PullRequest
  /** Set when the manifest differs from the base: the commit to put on the branch, and whether to push it. */
  readonly proposal?: { commit: string; push: boolean; remote?: string }
  readonly close: boolean
}

export interface ReviewResult {
  readonly base: string
  readonly changedManifests: readonly string[]
  readonly pullRequests: readonly ReviewOutcome[]
}

/**
 * For each publication of the run whose canonical manifest in the working tree differs from the base branch:
 * commit only that file on `datawarp/manifest/<publication>` (rebuilt from the base, force-pushed), then open
 * the review pull request or update the open one. A publication whose manifest no longer differs has its open
 * pull request closed. Permissions are checked before anything is pushed.
 */
export async function reviewPullRequests(options: ReviewOptions): Promise<ReviewResult> {
  const { summary, config, api, git, ctx } = options
  const top = await git.topLevel()
  let repository: Awaited<ReturnType<GitHubApi['repository']>> | undefined
  const repo = async () => {
    repository ??= await api.repository()
    return repository
  }
  const base = options.baseBranch ?? ctx.eventDefaultBranch ?? (await repo()).defaultBranch
  const baseSha = await git.fetchBranch(base)
  if (!baseSha) throw new Error(`the base branch "${base}" is not on origin`)

  const plans: Plan[] = []
  const changedManifests: string[] = []
  for (const outcome of summary.publications) {
    const publication = config.publications.find((p) => p.code === outcome.code)
    if (!publication) continue
    const file = resolve(options.root, publication.canonicalManifest)
    const manifestPath = relative(top, file).split(sep).join('/')
    if (manifestPath.startsWith('..')) continue
    const branch = reviewBranch(outcome.code)
    const blob = existsSync(file) ? await git.hashFile(file) : undefined
    const changed = blob !== undefined && blob !== (await git.resolve(`${baseSha}:${manifestPath}`))
    if (changed) changedManifests.push(manifestPath)
    const open = await api.findOpenPull(branch)
    if (open && options.partial) {
      options.info(
        `${outcome.code}: left pull request #${open.number} as it is (this run covered only some periods)`,
      )
      continue
    }
    if (changed) {
      const message = `DataWarp: canonical manifest of ${outcome.code}\n\nProposed by DataWarp run ${summary.runId}.`
      const commit = await git.commitFile(baseSha, manifestPath, blob, message)
      const remote = await git.fetchBranch(branch)
      const current = remote !== undefined && (await git.sameCommitContent(remote, commit))
      plans.push({
        outcome,
        manifestPath,
        branch,
        open,
        proposal: { commit, push: !current, ...(remote ? { remote } : {}) },
        close: false,
      })
    } else if (open && !publicationFailed(outcome)) {
      plans.push({ outcome, manifestPath, branch, open, close: true })
    } else if (open) {
      options.info(
        `${outcome.code}: kept pull request #${open.number} open (the publication failed in this run)`,
      )
    }
  }
  if (plans.length === 0) return { base, changedManifests, pullRequests: [] }

  const codes = plans.map((p) => p.outcome.code)
  const firstPush = plans.find((p) => p.proposal?.push)
  await checkPermissions(
    api,
    git,
    {
      base,
      ...(firstPush ? { push: { commit: firstPush.proposal!.commit, branch: firstPush.branch } } : {}),
      create: plans.some((p) => p.proposal && !p.open),
      pulls: true,
      ...(firstPush ? { canPush: (await repo()).canPush } : {}),
    },
    codes,
  )

  const held = heldPeriods(summary)
  const link = runUrl(ctx)
  const pullRequests: ReviewOutcome[] = []
  for (const plan of plans) {
    const code = plan.outcome.code
    try {
      if (plan.close) {
        const number = plan.open!.number
        await api.comment(
          number,
          options.redact(
            `The canonical manifest of \`${code}\` no longer differs from \`${base}\`${link ? ` (run ${link})` : ''}, so there is nothing left to review: closing.`,
          ),
        )
        await api.closePull(number)
        await git.deleteBranch(plan.branch)
        options.info(`${code}: closed pull request #${number} (the manifest matches ${base} again)`)
        pullRequests.push({ ...where(plan), action: 'closed', number, url: plan.open!.url })
        continue
      }
      const proposal = plan.proposal!
      if (proposal.push) await git.forcePush(proposal.commit, plan.branch, proposal.remote)
      const heldHere = held.filter((h) => h.publication === code)
      const fields = {
        title: options.redact(reviewTitle({ publication: plan.outcome, held: heldHere })),
        body: options.redact(
          reviewBody({
            publication: { code, ...(plan.outcome.name ? { name: plan.outcome.name } : {}) },
            manifestPath: plan.manifestPath,
            base,
            branch: plan.branch,
            held: heldHere,
            drift: publicationChanges(plan.outcome).map((d) => {
              const period = plan.outcome.periods.find((p) => p.period === d.period)
              const report = period ? driftReport(period) : undefined
              return { ...d, ...(report ? { report } : {}) }
            }),
            datawarpRunId: summary.runId,
            ...(link ? { runUrl: link } : {}),
            artifacts: options.artifacts,
          }),
        ),
        base,
      }
      let pull: PullRequest
      let action: ReviewOutcome['action']
      if (plan.open) {
        const o = plan.open
        const same = o.title === fields.title && o.body === fields.body && o.base === fields.base
        pull = same ? o : await api.updatePull(o.number, fields)
        action = 'updated'
      } else {
        pull = await api.createPull({ ...fields, head: plan.branch })
        action = 'opened'
      }
      const labels = options.labels.filter((l) => !pull.labels.includes(l))
      await api.addLabels(pull.number, labels)
      options.info(
        `${code}: ${action} pull request #${pull.number} ${pull.url}${proposal.push ? '' : ' (branch already up to date)'}`,
      )
      pullRequests.push({ ...where(plan), action, number: pull.number, url: pull.url })
    } catch (error) {
      const explained = explainRefusal(error, codes)
      if (explained instanceof PermissionError) throw explained
      throw new Error(`review pull request of ${code}: ${(error as Error).message}`)
    }
  }
  return { base, changedManifests, pullRequests }
}

const where = (plan: Plan) => ({
  publication: plan.outcome.code,
  manifestPath: plan.manifestPath,
  branch: plan.branch,
})
