import type { KeyValue, SchemaElement, Writer } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import { snappyCompressInto, snappyMaxLength } from './snappy.js'

/**
 * The Parquet file layer for flat columns: pages, column chunks, row groups and the footer. Page
 * headers and the footer are serialised by hyparquet-writer (writePageHeader, writeMetadata); the
 * page bodies are built here from typed arrays (see column-buffers.ts), which avoids a JS value
 * per cell. Pages are DATA_PAGE_V2, values Snappy-compressed, definition levels RLE.
 */

export type FileMetaData = Parameters<typeof writeMetadata>[1]
export type RowGroup = FileMetaData['row_groups'][number]
export type ColumnChunk = RowGroup['columns'][number]
export type ColumnMetaData = NonNullable<ColumnChunk['meta_data']>
export type Statistics = NonNullable<ColumnMetaData['statistics']>
export type Encoding = ColumnMetaData['encodings'][number]

const MAGIC = 0x31524150 // "PAR1"

/** Target size of a data page's values before compression. */
export const PAGE_BYTES = 1024 * 1024

/** A growable byte buffer with a little-endian DataView, reused from page to page. */
export class Scratch {
  bytes: Uint8Array
  view: DataView

  constructor(size = 1024) {
    this.bytes = new Uint8Array(size)
    this.view = new DataView(this.bytes.buffer)
  }

  /** Makes room for `size` bytes (contents are not kept). */
  reserve(size: number): this {
    if (this.bytes.length < size) {
      this.bytes = new Uint8Array(Math.max(size, this.bytes.length * 2))
      this.view = new DataView(this.bytes.buffer)
    }
    return this
  }
}

/**
 * Parquet's RLE / bit-packed hybrid encoding of `values[start, end)` at `bitWidth` (1..24) into
 * `out` (which must hold (end - start) * 4 + 64 bytes). Runs of 8 or more equal values become RLE
 * runs; the rest is bit-packed in groups of 8, padded with zeros. Returns the byte length.
 */
export function encodeRleHybrid(
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  bitWidth: number,
  out: Uint8Array,
): number {
  const valueBytes = (bitWidth + 7) >>> 3
  let op = 0
  let i = start
  while (i < end) {
    const first = values[i] as number
    let run = 1
    while (i + run < end && values[i + run] === first) run++
    if (run >= 8) {
      let header = run * 2
      while (header >= 0x80) {
        out[op++] = (header & 0x7f) | 0x80
        header = Math.floor(header / 128)
      }
      out[op++] = header
      for (let k = 0; k < valueBytes; k++) out[op++] = (first >>> (8 * k)) & 0xff
      i += run
      continue
    }
    // A bit-packed stretch: groups of 8 until a run of 8 equal values starts on a group boundary.
    let groupsEnd = i
    let groups = 0
    do {
      groupsEnd += 8
      groups++
    } while (groupsEnd < end && !runOf8(values, groupsEnd, end))
    let header = groups * 2 + 1
    while (header >= 0x80) {
      out[op++] = (header & 0x7f) | 0x80
      header = Math.floor(header / 128)
    }
    out[op++] = header
    let acc = 0
    let bits = 0
    for (let k = i; k < groupsEnd; k++) {
      const v = k < end ? (values[k] as number) : 0
      acc |= v << bits
      bits += bitWidth
      while (bits >= 8) {
        out[op++] = acc & 0xff
        acc >>>= 8
        bits -= 8
      }
    }
    i = groupsEnd
  }
  return op
}

function runOf8(values: Uint8Array | Int32Array, at: number, end: number): boolean {
  if (at + 8 > end) return false
  const v = values[at]
  for (let k = 1; k < 8; k++) if (values[at + k] !== v) return false
  return true
}

export function bitWidthFor(count: number): number {
  let width = 1
  while (width < 24 && 2 ** width < count) width++
  return width
}

/**
 * An insert-only hash table of 64-bit numbers (keyed by their bits, so NaN and -0 are values like
 * any other), for dictionary-encoding numeric column chunks. add() returns the entry's index, or
 * -1 once more than `limit` distinct values were seen.
 */
export class NumberTable {
  values = new Float64Array(1024)
  count = 0
  private slots = new Int32Array(2048)
  private mask = 2047
  private lo = new Uint32Array(1024)
  private hi = new Uint32Array(1024)
  private limit = 0
  private readonly f64 = new Float64Array(1)
  private readonly u32 = new Uint32Array(this.f64.buffer)

  reset(limit: number): void {
    this.limit = limit
    this.count = 0
    let size = 64
    while (size < limit * 2) size *= 2
    if (this.slots.length < size) this.slots = new Int32Array(size)
    else this.slots.fill(0, 0, size)
    this.mask = size - 1
    if (this.values.length < limit) {
      this.values = new Float64Array(limit)
      this.lo = new Uint32Array(limit)
      this.hi = new Uint32Array(limit)
    }
  }

  add(value: number): number {
    this.f64[0] = value
    const lo = this.u32[0] as number
    const hi = this.u32[1] as number
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b)
    h ^= h >>> 15
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 13
    const slots = this.slots
    const mask = this.mask
    let slot = h & mask
    for (;;) {
      const entry = slots[slot] as number
      if (entry === 0) {
        if (this.count >= this.limit) return -1
        const index = this.count++
        slots[slot] = index + 1
        this.lo[index] = lo
        this.hi[index] = hi
        this.values[index] = value
        return index
      }
      const index = entry - 1
      if (this.lo[index] === lo && this.hi[index] === hi) return index
      slot = (slot + 1) & mask
    }
  }
}

export interface DataPage {
  /** First and last (exclusive) row of the page within the chunk. */
  readonly start: number
  readonly end: number
  readonly nulls: number
  /** The page's encoded values, uncompressed. */
  readonly values: Uint8Array
}

/**
 * Writes column chunks to the sink. One instance per file; scratch buffers are reused for every
 * page, so memory does not grow with the data.
 */
export class ChunkWriter {
  readonly plain = new Scratch(PAGE_BYTES + 1024)
  readonly numbers = new NumberTable()
  /** Per-row dictionary indexes of the chunk being written. */
  rowIndexes: Int32Array
  /** Non-null dictionary indexes of one page. */
  pageIndexes: Int32Array
  private readonly levels = new Scratch()
  private readonly compressed = new Scratch()

  constructor(
    readonly sink: Writer,
    capacity: number,
  ) {
    this.rowIndexes = new Int32Array(capacity)
    this.pageIndexes = new Int32Array(capacity)
  }

  /** RLE_DICTIONARY page body: the bit width, then the non-null indexes of rows [start, end). */
  dictionaryIndexes(defined: Uint8Array, start: number, end: number, bitWidth: number): Uint8Array {
    const rowIndexes = this.rowIndexes
    const pageIndexes = this.pageIndexes
    let count = 0
    for (let r = start; r < end; r++) if (defined[r] === 1) pageIndexes[count++] = rowIndexes[r] as number
    const out = this.plain.reserve(count * 4 + 64).bytes
    out[0] = bitWidth
    const length = encodeRleHybrid(pageIndexes, 0, count, bitWidth, out.subarray(1))
    return out.subarray(0, length + 1)
  }

  /** Writes a dictionary page (PLAIN values); returns its uncompressed size including the header. */
  writeDictionaryPage(values: Uint8Array, count: number): number {
    const compressed = this.compress(values)
    const headerStart = this.sink.offset
    writePageHeader(this.sink, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: values.length,
      compressed_page_size: compressed.length,
      dictionary_page_header: { num_values: count, encoding: 'PLAIN' },
    })
    const headerSize = this.sink.offset - headerStart
    this.sink.appendBytes(compressed)
    return headerSize + values.length
  }

  /** Writes a DATA_PAGE_V2; returns its uncompressed size including the header. */
  writeDataPage(page: DataPage, defined: Uint8Array | undefined, encoding: Encoding): number {
    const rows = page.end - page.start
    let levels: Uint8Array | undefined
    if (defined) {
      const scratch = this.levels.reserve(rows * 4 + 64).bytes
      levels = scratch.subarray(0, encodeRleHybrid(defined, page.start, page.end, 1, scratch))
    }
    const levelBytes = levels?.length ?? 0
    const compressed = this.compress(page.values)
    const headerStart = this.sink.offset
    writePageHeader(this.sink, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelBytes + page.values.length,
      compressed_page_size: levelBytes + compressed.length,
      data_page_header_v2: {
        num_values: rows,
        num_nulls: page.nulls,
        num_rows: rows,
        encoding,
        definition_levels_byte_length: levelBytes,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    })
    const headerSize = this.sink.offset - headerStart
    if (levels) this.sink.appendBytes(levels)
    this.sink.appendBytes(compressed)
    return headerSize + levelBytes + page.values.length
  }

  private compress(bytes: Uint8Array): Uint8Array {
    const out = this.compressed.reserve(snappyMaxLength(bytes.length)).bytes
    return out.subarray(0, snappyCompressInto(bytes, out))
  }
}

/** What a column hands to ParquetFile for one row group. */
export interface ChunkSource {
  readonly element: SchemaElement
  writeChunk(writer: ChunkWriter): ColumnChunk
}

/** The file framing: magic, row groups as they come, and the footer on finish(). */
export class ParquetFile {
  private readonly rowGroups: RowGroup[] = []
  private rows = 0n
  readonly chunks: ChunkWriter

  constructor(
    private readonly sink: Writer & { flush(): void },
    private readonly schema: SchemaElement[],
    private readonly options: { capacity: number; kvMetadata?: KeyValue[]; createdBy: string },
  ) {
    this.chunks = new ChunkWriter(sink, options.capacity)
    sink.appendUint32(MAGIC)
  }

  writeRowGroup(columns: readonly ChunkSource[], rows: number): void {
    const start = this.sink.offset
    const chunks = columns.map((column) => column.writeChunk(this.chunks))
    let totalByteSize = 0n
    for (const chunk of chunks) totalByteSize += chunk.meta_data?.total_uncompressed_size ?? 0n
    this.rowGroups.push({
      columns: chunks,
      total_byte_size: totalByteSize,
      num_rows: BigInt(rows),
      file_offset: BigInt(start),
      total_compressed_size: BigInt(this.sink.offset - start),
    })
    this.rows += BigInt(rows)
    this.sink.flush()
  }

  finish(): void {
    const metadata: FileMetaData = {
      version: 2,
      schema: this.schema,
      num_rows: this.rows,
      row_groups: this.rowGroups,
      key_value_metadata: this.options.kvMetadata,
      created_by: this.options.createdBy,
      metadata_length: 0, // not serialised; writeMetadata appends the real length
    }
    writeMetadata(this.sink, metadata)
    this.sink.appendUint32(MAGIC)
    this.sink.finish()
  }
}
