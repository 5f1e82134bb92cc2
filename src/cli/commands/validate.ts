import { relative, resolve } from 'node:path'
import { formatProblem, loadConfig } from '../../config/index.js'
import { readCanonicalManifest } from '../../manifest/index.js'
import type { Command, CommonValues } from '../command.js'

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check config/publications.yaml and the canonical manifests it names',
  help: 'Usage: datawarp validate [--json]',
  options: {},
  async run(raw) {
    const values = raw as unknown as CommonValues
    const config = loadConfig(resolve(values.config), { root: values.root })
    const problems = config.problems.map(formatProblem)
    for (const publication of config.publications) {
      try {
        readCanonicalManifest(resolve(values.root, publication.canonicalManifest))
      } catch (error) {
        problems.push(`${publication.code}: ${(error as Error).message}`)
      }
    }
    if (values.json)
      process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, problems }, null, 2)}\n`)
    else if (problems.length === 0) {
      const file = relative(process.cwd(), config.file) || config.file
      process.stdout.write(`${file}: ${config.publications.length} publications, valid\n`)
    } else process.stdout.write(`${problems.join('\n')}\n`)
    return problems.length === 0 ? 0 : 1
  },
}
