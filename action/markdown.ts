/** Small Markdown helpers for the job summary and pull request bodies. */

/** Text for a table cell: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`'
  return `${fence}${fence === '``' ? ` ${text} ` : text}${fence}`
}

export function table(
  header: readonly string[],
  align: readonly ('l' | 'r')[],
  rows: readonly string[][],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [
    line(header),
    line(align.map((a) => (a === 'r' ? '--:' : '---'))),
    ...rows.map((r) => line(r.map(cell))),
  ].join('\n')
}

export const count = (n: number) => n.toLocaleString('en-GB')

export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`
