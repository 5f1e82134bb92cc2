import { data, Evaluator, Lexer, Parser } from '@actions/expressions'
import { truthy } from '@actions/expressions/result'

/**
 * GitHub Actions expressions evaluated as the Actions service does, with GitHub's own expression library
 * (@actions/expressions, what @actions/workflow-parser uses), so a test can ask what a workflow does for given
 * contexts: which jobs run, what matrix a plan's output makes, which inputs a step gets.
 */
const CONTEXTS = [
  'github',
  'inputs',
  'vars',
  'secrets',
  'needs',
  'matrix',
  'steps',
  'strategy',
  'job',
  'runner',
  'env',
]
const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always']

export interface Contexts {
  readonly [name: string]: unknown
}

/** The run's state, for the status functions and hashFiles. */
export interface RunState {
  /** Whether the workflow run was cancelled (cancelled()). */
  readonly cancelled?: boolean
  /** Whether every job this one needs succeeded (success(), and the success() GitHub adds to an `if` without one). */
  readonly needsSucceeded?: boolean
  readonly hashFiles?: (pattern: string) => string
}

/** Parses an expression as GitHub does: unknown contexts and functions, and wrong argument counts, are errors. */
export function parseExpression(text: string) {
  const { tokens } = new Lexer(text).lex()
  const extra = [
    ...STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 })),
    { name: 'hashFiles', minArgs: 1, maxArgs: 255 },
  ]
  return new Parser(tokens, CONTEXTS, extra).parse()
}

/** Every `${{ … }}` of a workflow's text, and each `if:` written without one. */
export function expressionsOf(workflow: string): string[] {
  const embedded = [...workflow.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]!.trim())
  const bareIfs = [...workflow.matchAll(/^\s*if:[ \t]+(?![ \t]|\$\{\{)(.+)$/gm)].map((m) => m[1]!.trim())
  return [...embedded, ...bareIfs]
}

function evaluateExpression(text: string, contexts: Contexts, state: RunState): data.ExpressionData {
  const expression = parseExpression(text)
  const succeeded = state.needsSucceeded ?? true
  const status = (value: boolean) => () => new data.BooleanData(value)
  const functions = new Map([
    ['success', { name: 'success', minArgs: 0, maxArgs: 0, call: status(succeeded && !state.cancelled) }],
    ['failure', { name: 'failure', minArgs: 0, maxArgs: 0, call: status(!succeeded) }],
    ['cancelled', { name: 'cancelled', minArgs: 0, maxArgs: 0, call: status(state.cancelled ?? false) }],
    ['always', { name: 'always', minArgs: 0, maxArgs: 0, call: status(true) }],
    [
      'hashFiles',
      {
        name: 'hashFiles',
        minArgs: 1,
        maxArgs: 255,
        call: (pattern: data.ExpressionData) =>
          new data.StringData(state.hashFiles?.(pattern.coerceString()) ?? ''),
      },
    ],
  ])
  const context = JSON.parse(
    JSON.stringify(Object.fromEntries(CONTEXTS.map((c) => [c, contexts[c] ?? {}]))),
    data.reviver,
  )
  return new Evaluator(expression, context, functions).evaluate()
}

const plain = (value: data.ExpressionData): unknown =>
  JSON.parse(JSON.stringify(value, data.replacer) ?? 'null')

const WHOLE = /^\s*\$\{\{([\s\S]*)\}\}\s*$/
const EMBEDDED = /\$\{\{([\s\S]*?)\}\}/g

/**
 * A workflow value as the runner gets it: a value that is one `${{ … }}` is its result (an object stays an object,
 * as `strategy.matrix: ${{ fromJSON(…) }}` needs); text with expressions inside is that text with each result as a
 * string; anything else is itself.
 */
export function evaluateValue(value: unknown, contexts: Contexts, state: RunState = {}): unknown {
  if (typeof value !== 'string') return value
  const whole = WHOLE.exec(value)
  if (whole && !whole[1]!.includes('}}')) return plain(evaluateExpression(whole[1]!, contexts, state))
  return value.replace(EMBEDDED, (_, inner: string) =>
    evaluateExpression(inner, contexts, state).coerceString(),
  )
}

/** A step input as the runner passes it to an action: always a string (null becomes ''). */
export function inputValue(value: unknown, contexts: Contexts, state: RunState = {}): string {
  if (typeof value !== 'string') return String(value)
  const whole = WHOLE.exec(value)
  if (whole && !whole[1]!.includes('}}')) return evaluateExpression(whole[1]!, contexts, state).coerceString()
  return value.replace(EMBEDDED, (_, inner: string) =>
    evaluateExpression(inner, contexts, state).coerceString(),
  )
}

/**
 * Whether a job's or step's `if` lets it run: an `if` without a status function is `success() && (if)`, as GitHub
 * reads it; no `if` at all is `success()`.
 */
export function runsIf(condition: unknown, contexts: Contexts, state: RunState = {}): boolean {
  if (condition === undefined) return (state.needsSucceeded ?? true) && !state.cancelled
  const text = String(condition)
  const inner = WHOLE.exec(text)?.[1] ?? text
  const withStatus = STATUS_FUNCTIONS.some((name) => new RegExp(`\\b${name}\\(\\)`).test(inner))
    ? inner
    : `success() && (${inner})`
  return truthy(evaluateExpression(withStatus, contexts, state))
}
