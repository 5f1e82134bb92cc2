import { register } from 'node:module'

/**
 * @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which Node refuses (only a
 * bundler accepts it). This loader hook adds the attribute for that package's JSON files, so its published
 * build loads as it is. Import this module before the parser.
 */
const hook = `
export async function load(url, context, next) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/'))
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } })
  return next(url, context)
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`)
