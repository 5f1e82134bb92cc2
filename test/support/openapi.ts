import { readFileSync } from 'node:fs'
import { z } from 'zod'

/**
 * GitHub's official OpenAPI description of the REST operations the Action uses (test/support/
 * github-openapi-subset.json, vendored from @octokit/openapi by scripts/github-openapi-subset.mjs), and checks of
 * requests and responses against it. Schemas are turned into zod validators (OpenAPI 3.0 dialect: nullable).
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Node = { [key: string]: Json }

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema: Node
}

export interface Operation {
  readonly id: string
  readonly method: string
  readonly template: string
  readonly parameters: readonly Parameter[]
  readonly requestBody?: { required: boolean; schema: Node }
  readonly responses: ReadonlyMap<string, Node | undefined>
}

const SPEC = JSON.parse(readFileSync(new URL('./github-openapi-subset.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Node>>
  components: Record<string, Record<string, Node>>
}

/** Replaces every $ref with what it names (the subset has no cycles; a cycle would stop at an open schema). */
function deref(node: Json, stack: readonly string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => deref(n, stack))
  if (!node || typeof node !== 'object') return node
  const ref = node.$ref
  if (typeof ref === 'string') {
    if (stack.includes(ref)) return {}
    const [, , kind, name] = ref.split('/')
    const target = SPEC.components[kind!]?.[name!]
    if (!target) throw new Error(`unresolved ${ref} in the vendored OpenAPI subset`)
    return deref(target, [...stack, ref])
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v, stack)]))
}

const jsonSchemaOf = (content: Json | undefined): Node | undefined =>
  (((content as Node | undefined)?.['application/json'] as Node | undefined)?.schema as Node | undefined) ??
  undefined

export const OPERATIONS: readonly Operation[] = Object.entries(SPEC.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, raw]) => {
    const op = deref(raw) as Node
    const body = op.requestBody as Node | undefined
    return {
      id: String(op.operationId),
      method: method.toUpperCase(),
      template,
      parameters: ((op.parameters as Json[] | undefined) ?? []) as unknown as Parameter[],
      ...(body
        ? { requestBody: { required: body.required === true, schema: jsonSchemaOf(body.content)! } }
        : {}),
      responses: new Map(
        Object.entries(op.responses as Node).map(([status, r]) => [
          status,
          jsonSchemaOf((r as Node).content),
        ]),
      ),
    }
  }),
)

const validators = new Map<Node, z.ZodType>()
function validate(schema: Node, value: unknown): string[] {
  let validator = validators.get(schema)
  if (!validator) {
    validator = z.fromJSONSchema(schema as never, { defaultTarget: 'openapi-3.0' })
    validators.set(schema, validator)
  }
  const result = validator.safeParse(value)
  return result.success
    ? []
    : result.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
}

export function findOperation(
  method: string,
  path: string,
): { operation: Operation; params: Record<string, string> } | undefined {
  for (const operation of OPERATIONS) {
    if (operation.method !== method) continue
    const names: string[] = []
    const pattern = operation.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name)
      return '([^/]+)'
    })
    const match = new RegExp(`^${pattern}$`).exec(path)
    if (match)
      return {
        operation,
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)])),
      }
  }
  return undefined
}

/** A query or path value as its schema types it. */
function typed(schema: Node, text: string): unknown {
  if (schema.type === 'integer' || schema.type === 'number')
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text
  if (schema.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  return text
}

export function checkRequest(
  operation: Operation,
  request: { params: Record<string, string>; query: URLSearchParams; body: unknown },
): string[] {
  const problems: string[] = []
  for (const p of operation.parameters) {
    const value =
      p.in === 'path' ? request.params[p.name] : p.in === 'query' ? request.query.get(p.name) : null
    if (p.in === 'header') continue
    if (value === undefined || value === null) {
      if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`)
      continue
    }
    problems.push(...validate(p.schema, typed(p.schema, value)).map((m) => `${p.in} ${p.name}: ${m}`))
  }
  const known = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name))
  for (const name of request.query.keys())
    if (!known.has(name)) problems.push(`undocumented query parameter ${name}`)
  if (operation.requestBody) {
    if (request.body === undefined) {
      if (operation.requestBody.required) problems.push('missing request body')
    } else problems.push(...validate(operation.requestBody.schema, request.body).map((m) => `body ${m}`))
  } else if (request.body !== undefined) problems.push('a body the operation does not take')
  return problems
}

export function checkResponse(operation: Operation, status: number, body: unknown): string[] {
  if (!operation.responses.has(String(status))) return [`status ${status} is not a documented response`]
  const schema = operation.responses.get(String(status))
  if (!schema) return body === undefined || body === '' ? [] : [`status ${status} documents no body`]
  return validate(schema, body).map((m) => `response ${status} ${m}`)
}

/** The schema of an operation's response, to build a conforming example from. */
export function responseSchema(operationId: string, status: number): Node {
  const op = OPERATIONS.find((o) => o.id === operationId)
  const schema = op?.responses.get(String(status))
  if (!schema) throw new Error(`${operationId} documents no body for ${status}`)
  return schema
}

/**
 * The smallest value that satisfies a schema: required properties only, null where allowed, the first enum value,
 * the first alternative. The fake builds its responses from this and overrides the fields it cares about.
 */
export function example(schema: Node): unknown {
  if (schema.nullable === true) return null
  if (Array.isArray(schema.enum)) return schema.enum[0]
  if (Array.isArray(schema.allOf))
    return Object.assign({}, ...(schema.allOf as Node[]).map((s) => example(s) as object))
  for (const key of ['oneOf', 'anyOf'] as const)
    if (Array.isArray(schema[key])) return example((schema[key] as Node[])[0]!)
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Node>
      const required = (schema.required ?? []) as string[]
      return Object.fromEntries(
        required.map((name) => [name, properties[name] ? example(properties[name]) : null]),
      )
    }
    case 'array':
      return []
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1
    case 'boolean':
      return false
    case 'string':
      if (schema.format === 'uri') return 'https://example.invalid/'
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z'
      if (schema.format === 'email') return 'nobody@example.invalid'
      return ''
    default:
      return null
  }
}
