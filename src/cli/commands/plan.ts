import { rmSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { loadConfig } from '../../config/index.js'
import { newRunId, projectPaths } from '../../model/layout.js'
import { EventLog } from '../../observe/index.js'
import { buildPlan, type Plan } from '../../pipeline/plan.js'
import type { Command, CommonValues } from '../command.js'
import { withDatabase } from '../database.js'

interface PlanValues extends CommonValues {
  pub?: string[]
  period?: string[]
}

function formatPlan(plan: Plan): string {
  const lines = [`DataWarp plan for ${plan.today}: what \`datawarp run\` would fetch and load`]
  for (const pub of plan.publications) {
    const entry = plan.include.find((i) => i.publication === pub.publication)
    const tally = entry ? `load ${entry.load}, check ${entry.check}, missing ${entry.missing}` : ''
    lines.push(`  ${pub.publication.padEnd(28)} ${pub.error ? 'ERROR ' : ''}${tally}`)
    if (pub.error) lines.push(`      error: ${pub.error}`)
    for (const p of pub.periods) {
      lines.push(`      ${p.period.padEnd(10)} ${p.status.padEnd(8)} ${p.reason}`)
      if (p.status === 'load' || p.status === 'reload')
        for (const f of p.files) lines.push(`                 ${f.url}`)
    }
  }
  lines.push(`Event log: ${relative(process.cwd(), plan.eventLog) || plan.eventLog}`)
  return lines.join('\n')
}

export const planCommand: Command = {
  name: 'plan',
  summary:
    'what a run would fetch and load (discovers new periods; downloads no data files); --json is an Actions matrix',
  help: `Usage: datawarp plan [--pub CODE]... [--period P]... [--json]

  --pub <code>           only this publication (repeatable)
  --period <period>      only this period (repeatable)
  --json                 {"include":[{"publication":…,"load":n,"check":n,"missing":n}], "publications":[…details]}:
                         "include" is a GitHub Actions matrix, one job per publication`,
  options: {
    pub: { type: 'string', multiple: true },
    period: { type: 'string', multiple: true },
  },
  async run(raw) {
    const values = raw as unknown as PlanValues
    const config = loadConfig(resolve(values.config))
    const unknown = (values.pub ?? []).filter(
      (code) =>
        !config.publications.some((p) => p.code === code) &&
        !config.problems.some((p) => p.publication === code),
    )
    if (unknown.length > 0) {
      process.stderr.write(`no publication ${unknown.map((c) => `"${c}"`).join(', ')} in ${config.file}\n`)
      return 2
    }
    const paths = projectPaths(values.root)
    const started = new Date()
    const id = `plan-${newRunId(started)}`
    const log = new EventLog(id, paths.events, started)
    const workDir = resolve(paths.workRoot, id)
    try {
      const plan = await withDatabase(values, (db) =>
        buildPlan(config, db.pool, log, {
          workDir,
          ...(values.pub ? { publications: values.pub } : {}),
          ...(values.period ? { periods: values.period } : {}),
        }),
      )
      process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan)}\n`)
      return plan.publications.some((p) => p.error) ? 1 : 0
    } finally {
      rmSync(workDir, { recursive: true, force: true })
    }
  },
}
