import {
  type DraftField,
  type DraftSource,
  type DraftWide,
  MAX_FIELDS,
  MAX_TABLE_COLUMNS,
} from '../model/manifest.js'
import {
  type CellValue,
  DataWarpError,
  type ExtractedTable,
  type RowObserver,
  type TableRow,
} from '../model/table.js'
import { physicalNames } from './physical-name.js'
import { fileGlob, fileKey, sheetKey } from './source-key.js'
import {
  classify,
  DEFAULT_MISSING_VALUES,
  type MissingValues,
  stringText,
  trimmed,
  typeFor,
  type ValueKind,
} from './values.js'

const isEmptyCell = (value: CellValue) =>
  value === null || (typeof value === 'string' && trimmed(value) === '')

const SAMPLE_COUNT = 3

interface ColumnProfile {
  kinds: Set<ValueKind>
  /** The cell before and its kind: columns repeat their values (dates, codes, markers), which are judged once. */
  lastValue: CellValue | undefined
  lastKind: ValueKind
  /** Once a column holds text its type is settled: later cells are only checked for emptiness. */
  isText: boolean
  nulls: number
  markers: number
  samples: string[]
}

/** Reads a whole table once and describes it: row count, and per column its type, nulls, markers and samples. */
export async function profileTable(
  table: ExtractedTable,
  key: string,
  missing: MissingValues = DEFAULT_MISSING_VALUES,
): Promise<DraftSource> {
  const profile = new TableProfile(table, key, missing)
  for await (const batch of table.batches(profile)) profile.add(batch)
  return profile.result()
}

/**
 * A table's profile built batch by batch, by whoever reads the rows: profileTable, or a load that profiles as it
 * copies (one pass over the file). Pass it to batches() as the observer, so rows left out are counted too.
 */
export class TableProfile implements RowObserver {
  private readonly columns: ColumnProfile[]
  private readonly excluded: { position: number; reason: string }[] = []
  private rows = 0
  private first: number | undefined
  private last = 0

  constructor(
    private readonly table: ExtractedTable,
    private readonly key: string,
    private readonly missing: MissingValues = DEFAULT_MISSING_VALUES,
  ) {
    if (table.headers.length > MAX_FIELDS)
      throw new DataWarpError(
        `${table.headers.length} columns: a PostgreSQL table holds at most ${MAX_TABLE_COLUMNS} (${MAX_FIELDS} besides DataWarp's lineage columns); load a narrower table, or this one long with \`unpivot: true\``,
        { file: table.file, ...(table.sheet !== undefined ? { sheet: table.sheet } : {}) },
      )
    this.columns = table.headers.map(() => ({
      kinds: new Set(),
      lastValue: undefined,
      lastKind: 'empty',
      isText: false,
      nulls: 0,
      markers: 0,
      samples: [],
    }))
  }

  skipped(position: number, reason: string): void {
    this.excluded.push({ position, reason })
  }

  add(batch: readonly TableRow[]): void {
    const { columns, missing } = this
    for (const row of batch) {
      this.rows++
      this.first ??= row.position
      this.last = row.position
      for (let i = 0; i < columns.length; i++) {
        const value = row.cells[i] ?? null
        const column = columns[i]!
        let kind: ValueKind
        if (column.isText) kind = isEmptyCell(value) ? 'empty' : 'string'
        else if (value === column.lastValue) kind = column.lastKind
        else {
          kind = classify(value, missing)
          // A Date is compared by identity above, so only texts and numbers are remembered.
          column.lastValue = value instanceof Date ? undefined : value
          column.lastKind = kind
        }
        if (kind === 'empty') column.nulls++
        else if (kind === 'marker') column.markers++
        else if (!column.isText) {
          column.kinds.add(kind)
          if (kind === 'string') column.isText = true
        }
        if (kind !== 'empty' && column.samples.length < SAMPLE_COUNT) {
          const text = stringText(value)
          if (!column.samples.includes(text)) column.samples.push(text)
        }
      }
    }
  }

  result(): DraftSource {
    const { table, first, last } = this
    const names = physicalNames(table.headers)
    const fields: DraftField[] = this.columns.map((c, i) => {
      const type = typeFor(c.kinds)
      // A column of nothing but markers holds no value yet: its markers count as nulls, so a later period's
      // all-suppressed column does not widen a numeric canonical field to string.
      const onlyMarkers = [...c.kinds].every((k) => k === 'empty' || k === 'marker')
      const markersAreNull = type !== 'string' || onlyMarkers
      return {
        name: names[i]!,
        title: table.headers[i]!,
        type,
        samples: c.samples,
        nulls: c.nulls + (markersAreNull ? c.markers : 0),
        suppressed: markersAreNull ? c.markers : 0,
        ...(table.headerRows.length > 1 && table.headerCells?.[i]
          ? { headerCells: table.headerCells[i] }
          : {}),
      }
    })
    return {
      key: this.key,
      file: table.file,
      ...(table.zip ? { zip: table.zip } : {}),
      ...(table.sheet !== undefined ? { sheet: table.sheet } : {}),
      match: {
        file: fileGlob(table.file),
        ...(table.zip ? { zip: fileGlob(table.zip) } : {}),
        ...(table.sheet !== undefined ? { sheet: table.sheet } : {}),
      },
      headerRows: table.headerRows,
      rows: this.rows,
      excludedRows: summariseExcluded(this.excluded),
      fields,
      ...(table.title !== undefined ? { title: table.title } : {}),
      ...(first !== undefined ? { dataRows: { first, last } } : {}),
      ...wideSummary(table),
    }
  }
}

/** The wide flag of a draft source: the periods and measures of a table with a column per period. */
function wideSummary(table: ExtractedTable): { wide?: DraftWide } {
  const wide = table.unpivoted ?? table.wide
  if (!wide) return {}
  return {
    wide: { periods: wide.periods, measures: wide.measures, unpivoted: table.unpivoted !== undefined },
  }
}

/** "3 rows (41–43): footnote" style summary, so no row is dropped without a word in the draft. */
function summariseExcluded(excluded: { position: number; reason: string }[]): string[] {
  const byReason = new Map<string, number[]>()
  for (const { position, reason } of excluded) {
    const list = byReason.get(reason) ?? []
    list.push(position)
    byReason.set(reason, list)
  }
  return [...byReason].map(([reason, positions]) => {
    const first = positions[0]
    const last = positions[positions.length - 1]
    const where = positions.length === 1 ? `${first}` : `${first}–${last}`
    return `${positions.length} row${positions.length === 1 ? '' : 's'} (${where}): ${reason}`
  })
}

/** The key a table gets in a draft: its sheet for workbooks, its file name (period words removed) otherwise. */
export function draftKeys(tables: readonly ExtractedTable[]): string[] {
  // A sheet with several tables: each after the first is told apart by its part (title or section labels).
  const base = tables.map((t) =>
    t.sheet !== undefined ? sheetKey(t.part ? `${t.sheet} ${t.part}` : t.sheet) : fileKey(t.file),
  )
  const seen = new Map<string, number>()
  for (const k of base) seen.set(k, (seen.get(k) ?? 0) + 1)
  const used = new Set<string>()
  return tables.map((t, i) => {
    let key = base[i]!
    // Cuts never leave a trailing "_" (a key must stay snake_case).
    if ((seen.get(key) ?? 0) > 1 && t.sheet !== undefined)
      key = `${fileKey(t.file)}_${key}`.slice(0, 63).replace(/_+$/, '')
    let candidate = key
    for (let n = 2; used.has(candidate); n++) candidate = `${key.slice(0, 60).replace(/_+$/, '')}_${n}`
    used.add(candidate)
    return candidate
  })
}
