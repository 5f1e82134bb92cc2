import { type Document, isAlias, type LineCounter, visit } from 'yaml'

/** More alias expansions than this in one file is an alias bomb ("billion laughs"), not a config. */
const MAX_ALIAS_COUNT = 100

/**
 * The plain value of a parsed YAML document, or why it has none with the line to look at: an alias bomb is
 * refused (the yaml package stops expanding after MAX_ALIAS_COUNT) and reported at its first alias.
 */
export function yamlValue(
  doc: Document,
  lines: LineCounter,
): { readonly value: unknown } | { readonly problem: string; readonly line: number } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) }
  } catch (error) {
    let line = 1
    visit(doc, {
      Alias(_, node) {
        if (isAlias(node) && node.range) line = lines.linePos(node.range[0]).line
        return visit.BREAK
      },
    })
    const message = (error as Error).message.split('\n')[0] ?? String(error)
    return {
      problem: /alias/i.test(message)
        ? `too many YAML alias expansions (more than ${MAX_ALIAS_COUNT}: an alias bomb?), from the alias here on: ${message}`
        : message,
      line,
    }
  }
}
