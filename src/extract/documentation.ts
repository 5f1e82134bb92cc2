/**
 * Documentation files: a table whose rows are field names with what they mean ("Name of Field / Description /
 * Comments", "Field name | Definition", a definitions sheet beside the data) describes the release's columns
 * and is not data. Recognised by its header, whatever the file or sheet is called.
 */
import type { CellValue, Documentation, ExtractedTable, FieldDefinition } from '../model/table.js'
import { cellLine } from './cells.js'

/** A header as compared here: lower case, underscores and punctuation as spaces, spaces collapsed. */
const words = (label: string) =>
  label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()

/** The column naming the fields: "Name of Field", "Field name", "Column", "Variable", "Data item", … */
const FIELD_HEADER =
  /^(?:(?:name of (?:the )?|short )?(?:field|column|variable|data item|data field|data element|attribute)(?: name| names| title| header| heading| id)?|(?:csv )?(?:field|column) (?:name|heading|header)s?|name of (?:the )?(?:csv )?(?:field|column|variable|data item))$/

/** A column saying what a field means. At least one of these is needed. */
const MEANING_HEADER =
  /^(?:(?:field |column |variable |data item )?(?:description|descriptions|definition|definitions|meaning|explanation)(?: of (?:the )?(?:field|column|variable|data item))?|what it (?:means|contains|shows)|long name|full name)$/

/** Columns that add to the meaning: comments and notes on a field. */
const REMARK_HEADER = /^(?:comments?|notes?|remarks?|additional (?:information|notes?|comments?)|caveats?)$/

/** A table with more rows than this is data whatever its header says: a field list is never that long. */
export const MAX_DEFINITIONS = 10_000

/** Field names are short: a longer first cell is prose, and the table is not a field list. */
const MAX_FIELD_NAME = 120

export interface DefinitionColumns {
  readonly field: number
  /** The meaning column first, then remarks, in the table's order after it. */
  readonly text: readonly number[]
}

/** Which columns of a header make a table of field definitions, when they do. */
export function definitionColumns(headers: readonly string[]): DefinitionColumns | undefined {
  const labels = headers.map((h) => words(h.split(' > ').pop() ?? h))
  // "Column" alone may be the column letter beside "Name of Field": a header that names the field wins.
  const named = labels.flatMap((l, i) => (FIELD_HEADER.test(l) ? [i] : []))
  const field = named.find((i) => labels[i] !== 'column') ?? named[0] ?? -1
  const meaning = labels.findIndex((l, i) => i !== field && MEANING_HEADER.test(l))
  if (field < 0 || meaning < 0) return undefined
  const remarks = labels.flatMap((l, i) => (i !== field && i !== meaning && REMARK_HEADER.test(l) ? [i] : []))
  return { field, text: [meaning, ...remarks] }
}

const text = (v: CellValue | undefined) => cellLine(v).replace(/\s+/g, ' ').trim()

/**
 * The table's definitions when it is a table of field definitions: its header names a field column and a
 * description column, and its rows are short field names with their text. Undefined when it is data.
 */
export async function readDocumentation(table: ExtractedTable): Promise<Documentation | undefined> {
  const columns = definitionColumns(table.headers)
  if (!columns) return undefined
  const definitions: FieldDefinition[] = []
  let rows = 0
  for await (const batch of table.batches()) {
    for (const row of batch) {
      if (++rows > MAX_DEFINITIONS) return undefined
      const field = text(row.cells[columns.field])
      const parts = columns.text.map((i) => text(row.cells[i])).filter((t) => t !== '')
      if (field === '' || parts.length === 0) continue
      if (field.length > MAX_FIELD_NAME) return undefined
      const meaning = parts.map((p) => (/[.!?:;]$/.test(p) ? p : `${p}.`)).join(' ')
      definitions.push({ field, text: meaning })
    }
  }
  if (definitions.length === 0) return undefined
  return {
    file: table.file,
    ...(table.zip !== undefined ? { zip: table.zip } : {}),
    ...(table.sheet !== undefined ? { sheet: table.sheet } : {}),
    columns: {
      field: table.headers[columns.field]!,
      text: columns.text.map((i) => table.headers[i]!),
    },
    definitions,
  }
}

/** The file's tables split into data and documentation. */
export async function separateDocumentation(
  tables: readonly ExtractedTable[],
): Promise<{ tables: ExtractedTable[]; documentation: Documentation[] }> {
  const data: ExtractedTable[] = []
  const documentation: Documentation[] = []
  for (const table of tables) {
    const doc = await readDocumentation(table)
    if (doc) documentation.push(doc)
    else data.push(table)
  }
  return { tables: data, documentation }
}
