import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { extractFile, unpivotTable } from '../../extract/index.js'
import {
  defaultZipLimits,
  type FetchedFile,
  fetchToFile,
  sniffFileKind,
  unpackZip,
} from '../../fetch/index.js'
import { describeDocumentation, draftKeys, profileTable } from '../../manifest/index.js'
import type { DraftDocumentation, DraftSource } from '../../model/manifest.js'
import {
  DataWarpError,
  type Documentation,
  type ExtractedTable,
  type LocalFile,
  type SkippedPart,
} from '../../model/table.js'
import type { Command, CommonValues } from '../command.js'

interface InspectValues extends CommonValues {
  sheet?: string
  unpivot: boolean
}

/** One table as inspect reports it: where it is, its columns and what the profiler found in them. */
export interface InspectedTable {
  readonly sheet?: string
  readonly title?: string
  readonly headerRows: readonly number[]
  readonly dataRows?: { readonly first: number; readonly last: number }
  readonly rows: number
  readonly excludedRows: readonly string[]
  readonly notes?: readonly string[]
  readonly wide?: DraftSource['wide']
  readonly columns: readonly {
    readonly ref?: string
    readonly label: string
    readonly headerCells?: readonly string[]
    readonly name: string
    readonly type: string
    readonly nulls: number
    readonly suppressed: number
    readonly samples: readonly string[]
  }[]
}

/** A table of field definitions: documentation, not data, with the columns of the inspected files it names. */
export interface InspectedDocumentation extends Omit<DraftDocumentation, 'file' | 'zip'> {
  /** The headers of its field-name column and of its description columns. */
  readonly columns: Documentation['columns']
  /** Its first definitions, as read. */
  readonly examples: Documentation['definitions']
}

export interface InspectedFile {
  readonly file: string
  readonly zip?: string
  readonly kind: string
  readonly tables: readonly InspectedTable[]
  readonly skipped: readonly SkippedPart[]
  readonly documentation?: readonly InspectedDocumentation[]
}

const FETCH = { timeoutMs: 300_000, retries: 3, maxBytes: 2 * 1024 ** 3 }

const isUrl = (target: string) => /^(?:https?|file):\/\//i.test(target)

/**
 * Every table the pipeline's extractor finds in a file (or URL, or each file of a ZIP), described by the
 * pipeline's profiler, and every part it skips with the reason.
 */
export async function inspectTarget(
  target: string,
  options: { sheet?: string; unpivot?: boolean } = {},
): Promise<InspectedFile[]> {
  const work = await mkdtemp(join(tmpdir(), 'datawarp-inspect-'))
  try {
    let fetched: FetchedFile
    if (isUrl(target)) {
      fetched = await fetchToFile(target, join(work, 'files'), { ...FETCH, baseDir: process.cwd() })
    } else {
      const path = resolve(target)
      const fileName = basename(path)
      fetched = {
        url: target,
        path,
        fileName,
        bytes: 0,
        sha256: '',
        kind: await sniffFileKind(path, fileName),
      }
    }
    const { files, ignored } =
      fetched.kind === 'zip'
        ? await unpack(fetched, join(work, 'unpacked'))
        : { files: [{ path: fetched.path, fileName: fetched.fileName, kind: fetched.kind }], ignored: [] }
    const out: { inspected: InspectedFile; documentation: readonly Documentation[] }[] = []
    for (const file of files) out.push(await inspectFile(file, options))
    return [...withDocumentation(out), ...ignored]
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** A ZIP's data files, and its other members as files of their own that say why they were ignored. */
async function unpack(
  zip: FetchedFile,
  dir: string,
): Promise<{ files: LocalFile[]; ignored: InspectedFile[] }> {
  const unpacked = await unpackZip(zip, dir, defaultZipLimits(FETCH.maxBytes))
  return {
    files: unpacked.members.map((m) => ({ path: m.path, fileName: m.name, kind: m.kind, zip: zip.fileName })),
    ignored: unpacked.ignored.map((i) => ({
      file: i.name,
      zip: zip.fileName,
      kind: 'ignored',
      tables: [],
      skipped: [{ file: `${zip.fileName}/${i.name}`, reason: i.reason }],
    })),
  }
}

/** Each file's documentation, with the columns of every inspected file's tables its definitions name. */
function withDocumentation(
  files: readonly { inspected: InspectedFile; documentation: readonly Documentation[] }[],
): InspectedFile[] {
  const tables = files.flatMap(({ inspected: f }) =>
    f.tables.map((t) => ({
      key: `${f.zip ? `${f.zip}/` : ''}${f.file}${t.sheet !== undefined ? `, sheet "${t.sheet}"` : ''}`,
      fields: t.columns.map((c) => ({ name: c.name, title: c.label })),
    })),
  )
  return files.map(({ inspected, documentation }) => {
    if (documentation.length === 0) return inspected
    const described = describeDocumentation(documentation, tables)
    return {
      ...inspected,
      documentation: documentation.map((doc, i) => {
        const { file: _file, zip: _zip, ...found } = described[i]!
        return { ...found, columns: doc.columns, examples: doc.definitions.slice(0, 3) }
      }),
    }
  })
}

async function inspectFile(
  file: LocalFile,
  options: { sheet?: string; unpivot?: boolean },
): Promise<{ inspected: InspectedFile; documentation: readonly Documentation[] }> {
  const extracted = await extractFile(file)
  const wanted = (sheet: string | undefined) =>
    options.sheet === undefined || sheet?.trim().toLowerCase() === options.sheet.trim().toLowerCase()
  const tables = extracted.tables.filter((t) => wanted(t.sheet))
  const skipped = extracted.skipped.filter((s) => wanted(s.sheet))
  const documentation = (extracted.documentation ?? []).filter((d) => wanted(d.sheet))
  if (
    options.sheet !== undefined &&
    tables.length === 0 &&
    skipped.length === 0 &&
    documentation.length === 0
  ) {
    const all = [...extracted.tables, ...extracted.skipped, ...(extracted.documentation ?? [])]
    const sheets = [...new Set(all.map((t) => t.sheet))]
    throw new DataWarpError(
      `no sheet named "${options.sheet}" in ${file.fileName}; its sheets are ${sheets.map((s) => `"${s}"`).join(', ')}`,
      { file: file.fileName },
    )
  }
  const keys = draftKeys(tables)
  const inspected: InspectedTable[] = []
  for (const [i, table] of tables.entries()) {
    const shaped = options.unpivot && table.wide ? unpivotTable(table) : table
    inspected.push(describe(shaped, await profileTable(shaped, keys[i]!)))
  }
  const found: InspectedFile = {
    file: file.fileName,
    ...(file.zip ? { zip: file.zip } : {}),
    kind: file.kind,
    tables: inspected,
    skipped,
  }
  return { inspected: found, documentation }
}

function describe(table: ExtractedTable, draft: DraftSource): InspectedTable {
  return {
    ...(table.sheet !== undefined ? { sheet: table.sheet } : {}),
    ...(table.title !== undefined ? { title: table.title } : {}),
    headerRows: table.headerRows,
    ...(draft.dataRows ? { dataRows: draft.dataRows } : {}),
    rows: draft.rows,
    excludedRows: draft.excludedRows,
    ...(table.notes ? { notes: table.notes } : {}),
    ...(draft.wide ? { wide: draft.wide } : {}),
    columns: draft.fields.map((f, i) => ({
      ...(table.columnRefs?.[i] !== undefined ? { ref: table.columnRefs[i] } : {}),
      label: f.title,
      ...(table.headerCells?.[i] ? { headerCells: table.headerCells[i] } : {}),
      name: f.name,
      type: f.type,
      nulls: f.nulls,
      suppressed: f.suppressed,
      samples: f.samples,
    })),
  }
}

const count = (n: number) => n.toLocaleString('en-GB')
const range = (values: readonly number[]) =>
  values.length === 0
    ? '-'
    : values.length === 1
      ? `${values[0]}`
      : `${values[0]}–${values[values.length - 1]}`
const cut = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`)

/** The report as text: per file its tables (where, columns, types, nulls) and what was skipped and why. */
export function formatInspection(files: readonly InspectedFile[]): string {
  const lines: string[] = []
  for (const f of files) {
    if (f.kind === 'ignored') {
      for (const s of f.skipped) lines.push(`${s.file}: ignored, ${s.reason}`)
      continue
    }
    const docs = f.documentation ?? []
    const documented = docs.length > 0 ? `, ${docs.length} documentation table(s)` : ''
    lines.push(`${f.zip ? `${f.zip}/` : ''}${f.file} (${f.kind}): ${f.tables.length} table(s)${documented}`)
    for (const d of docs) lines.push('', ...documentationLines(d))
    for (const t of f.tables) {
      const where = t.sheet !== undefined ? `sheet "${t.sheet}"` : 'table'
      lines.push('', `  ${where}${t.title ? `: ${t.title}` : ''}`)
      const data = t.dataRows ? `${t.dataRows.first}–${t.dataRows.last}` : 'none'
      lines.push(
        `    header rows ${range(t.headerRows)}, data rows ${data}, ${t.columns.length} columns, ${count(t.rows)} rows`,
      )
      for (const e of t.excludedRows) lines.push(`    left out: ${e}`)
      if (t.wide) {
        const p = t.wide.periods
        const span = p.length > 1 ? `${p[0]} … ${p[p.length - 1]}` : (p[0] ?? '')
        lines.push(
          t.wide.unpivoted
            ? `    unpivoted: ${p.length} periods (${span}) turned into rows`
            : `    wide: a column per period, ${p.length} periods (${span}); \`unpivot: true\` on its source loads it long`,
        )
      }
      const labelWidth = Math.min(60, Math.max(5, ...t.columns.map((c) => c.label.length)))
      const nameWidth = Math.min(40, Math.max(4, ...t.columns.map((c) => c.name.length)))
      lines.push(
        `    ${'col'.padEnd(4)} ${'label'.padEnd(labelWidth)} ${'name'.padEnd(nameWidth)} ${'type'.padEnd(8)} ${'nulls'.padStart(7)} ${'suppressed'.padStart(10)}`,
      )
      for (const c of t.columns) {
        lines.push(
          `    ${(c.ref ?? '').padEnd(4)} ${cut(c.label || '(no header)', labelWidth).padEnd(labelWidth)} ${cut(c.name, nameWidth).padEnd(nameWidth)} ${c.type.padEnd(8)} ${count(c.nulls).padStart(7)} ${count(c.suppressed).padStart(10)}`,
        )
      }
    }
    if (f.skipped.length > 0) lines.push('')
    for (const s of f.skipped)
      lines.push(`  skipped ${s.sheet !== undefined ? `sheet "${s.sheet}"` : s.file}: ${s.reason}`)
    lines.push('')
  }
  return lines.join('\n')
}

/** A documentation table: what it defines, with examples, and which columns of the inspected files it names. */
function documentationLines(d: InspectedDocumentation): string[] {
  const where = d.sheet !== undefined ? `sheet "${d.sheet}"` : 'table'
  const lines = [
    `  ${where}: documentation, not loaded: ${count(d.definitions)} field definitions ("${d.columns.field}" → ${d.columns.text.map((t) => `"${t}"`).join(', ')})`,
  ]
  for (const e of d.examples) lines.push(`    ${cut(e.field, 40)}: ${cut(e.text, 100)}`)
  for (const m of d.describes)
    lines.push(
      `    describes ${m.columns.length} column(s) of ${m.source}: ${cut(m.columns.join(', '), 120)}`,
    )
  if (d.describes.length === 0) lines.push('    describes no column of the inspected files')
  if (d.unmatched > 0 && d.describes.length > 0)
    lines.push(`    ${count(d.unmatched)} definitions name no column here`)
  return lines
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary:
    'show the tables DataWarp finds in a file or URL: header rows, data rows, columns, types, and documentation',
  help: `Usage: datawarp inspect <file-or-url> [--sheet S] [--unpivot] [--json]

  --sheet <name>         only this sheet
  --unpivot              show wide tables (a column per period) as they load with \`unpivot: true\`

A table of field definitions ("Name of Field / Description", "Field name | Definition") is documentation:
it is shown with the columns of the inspected files (a ZIP's other members) it describes, never as a table.`,
  options: {
    sheet: { type: 'string' },
    unpivot: { type: 'boolean', default: false },
  },
  async run(raw, positionals) {
    const values = raw as unknown as InspectValues
    const target = positionals[0]
    if (!target || positionals.length > 1) {
      process.stderr.write(`Usage: datawarp inspect <file-or-url> [--sheet S] [--unpivot] [--json]\n`)
      return 2
    }
    const files = await inspectTarget(target, { sheet: values.sheet, unpivot: values.unpivot })
    process.stdout.write(values.json ? `${JSON.stringify(files, null, 2)}\n` : formatInspection(files))
    return 0
  },
}
