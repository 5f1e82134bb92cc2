// Regenerates test/support/github-openapi-subset.json: the operations of GitHub's REST API the Action calls,
// with every schema they refer to, from GitHub's official OpenAPI description as published in @octokit/openapi.
// That package is ~400 MB, so it is not a dependency: install it anywhere and point this script at it:
//
//   mkdir -p /tmp/oa && (cd /tmp/oa && npm i @octokit/openapi)
//   node scripts/github-openapi-subset.mjs /tmp/oa/node_modules/@octokit/openapi
//
// The fake GitHub API in test/support/fake-github.ts validates every request and response against this subset.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The operations action/review/github.ts uses (their operationId), and nothing else. */
export const OPERATIONS = [
  'repos/get',
  'pulls/list',
  'pulls/create',
  'pulls/update',
  'issues/add-labels',
  'issues/create-comment',
]

const from = process.argv[2]
if (!from) {
  console.error('usage: node scripts/github-openapi-subset.mjs <path of the @octokit/openapi package>')
  process.exit(2)
}
const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'))
const spec = JSON.parse(readFileSync(join(from, 'generated', 'api.github.com.json'), 'utf8'))

/** Examples are large and say nothing the schemas do not. */
const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip)
  if (!value || typeof value !== 'object') return value
  const out = {}
  for (const [key, v] of Object.entries(value))
    if (key !== 'examples' && key !== 'example') out[key] = strip(v)
  return out
}

const paths = {}
const found = new Set()
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, operation] of Object.entries(item)) {
    if (!OPERATIONS.includes(operation?.operationId)) continue
    found.add(operation.operationId)
    paths[path] ??= {}
    paths[path][method] = strip(operation)
  }
}
const missing = OPERATIONS.filter((id) => !found.has(id))
if (missing.length) throw new Error(`not in ${pkg.name}@${pkg.version}: ${missing.join(', ')}`)

// Every component the operations refer to, directly or through other components.
const components = {}
const queue = [paths]
while (queue.length) {
  const value = queue.pop()
  if (Array.isArray(value)) queue.push(...value)
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') {
        const [, , kind, name] = v.split('/')
        if (components[kind]?.[name]) continue
        components[kind] ??= {}
        components[kind][name] = strip(spec.components[kind][name])
        queue.push(components[kind][name])
      } else queue.push(v)
    }
  }
}
const sorted = (o) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  )
for (const kind of Object.keys(components)) components[kind] = sorted(components[kind])

const subset = {
  openapi: spec.openapi,
  info: {
    title: `${spec.info.title}: the operations DataWarp's Action uses`,
    version: spec.info.version,
    'x-source': `${pkg.name}@${pkg.version}, generated/api.github.com.json (regenerate: scripts/github-openapi-subset.mjs)`,
    'x-operations': OPERATIONS,
  },
  paths: sorted(paths),
  components: sorted(components),
}
const out = new URL('../test/support/github-openapi-subset.json', import.meta.url)
writeFileSync(out, `${JSON.stringify(subset, null, 2)}\n`)
// In the project's own JSON style, so `npm run lint` passes on the result.
execFileSync('npx', ['biome', 'format', '--write', fileURLToPath(out)], { stdio: 'ignore' })
console.log(
  `${out.pathname}: ${Object.keys(paths).length} paths, ${found.size} operations, ${Object.values(components).reduce((n, c) => n + Object.keys(c).length, 0)} components`,
)
