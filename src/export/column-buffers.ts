import type { SchemaElement } from 'hyparquet-writer'
import type { FieldType } from '../model/manifest.js'
import {
  booleanElement,
  dateElement,
  daysFromCivil,
  doubleElement,
  int64Element,
  parseDate,
  parseTimestamp,
  stringElement,
  timestampElement,
} from './columns.js'
import { decodeCopyEscapes } from './copy-text.js'
import {
  bitWidthFor,
  type ChunkSource,
  type ChunkWriter,
  type ColumnChunk,
  type DataPage,
  type Encoding,
  PAGE_BYTES,
  type Statistics,
} from './parquet-output.js'

/**
 * One column of the row group being built. parse() reads one field of PostgreSQL's COPY text
 * format straight from the bytes (no string per cell for numbers, dates or repeated text) into
 * typed arrays; writeChunk() encodes the row group's values as a Parquet column chunk.
 */

const TAB = 0x09
const NEWLINE = 0x0a
const BACKSLASH = 0x5c
const MINUS = 0x2d
const DOT = 0x2e
const TWO_32 = 4294967296
const MAX_EXACT = 9007199254740992 // 2^53
/** Exact powers of ten (parsed from literals, so exactness does not depend on Math.pow). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`))

function isDelimiter(byte: number | undefined): boolean {
  return byte === TAB || byte === NEWLINE
}

/** Index of the tab or newline ending the field that starts at `pos`. */
function fieldEnd(b: Uint8Array, pos: number): number {
  let p = pos
  while (p < b.length && !isDelimiter(b[p])) p++
  return p
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1')
}

function digit(b: Uint8Array, i: number): number {
  const d = (b[i] as number) - 48
  return d >= 0 && d <= 9 ? d : -1000
}

function twoDigits(b: Uint8Array, i: number): number {
  return digit(b, i) * 10 + digit(b, i + 1)
}

function writeInt64(view: DataView, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_32)
  view.setUint32(offset, value - hi * TWO_32, true)
  view.setInt32(offset + 4, hi, true)
}

export abstract class ColumnBuffer implements ChunkSource {
  rows = 0
  nulls = 0
  /** 1 where the row has a value, 0 where it is NULL. */
  readonly defined: Uint8Array

  constructor(
    readonly element: SchemaElement,
    readonly capacity: number,
  ) {
    this.defined = new Uint8Array(capacity)
  }

  get name(): string {
    return this.element.name
  }

  get optional(): boolean {
    return this.element.repetition_type === 'OPTIONAL'
  }

  /** Reads the field starting at `pos`; returns the index of the delimiter after it. */
  abstract parse(b: Buffer, pos: number): number

  abstract writeChunk(writer: ChunkWriter): ColumnChunk

  reset(): void {
    this.rows = 0
    this.nulls = 0
  }

  /** The field at `pos` starts with a backslash: it must be `\N`. */
  protected parseNull(b: Uint8Array, pos: number, row: number): number {
    if (b[pos + 1] !== 0x4e || !isDelimiter(b[pos + 2])) {
      throw this.invalid(b, pos)
    }
    if (!this.optional) throw new Error(`column ${this.name} is NULL but is declared NOT NULL`)
    this.defined[row] = 0
    this.nulls++
    return pos + 2
  }

  protected invalid(b: Uint8Array, pos: number): Error {
    const text = Buffer.from(b.buffer, b.byteOffset + pos, Math.min(fieldEnd(b, pos), pos + 80) - pos)
    return new Error(
      `column ${this.name}: unexpected ${this.element.type} text ${JSON.stringify(text.toString())}`,
    )
  }

  protected chunk(
    writer: ChunkWriter,
    start: number,
    dictionaryPageOffset: number | undefined,
    dataPageOffset: number,
    encodings: Encoding[],
    uncompressed: number,
    statistics: Statistics,
  ): ColumnChunk {
    return {
      file_offset: BigInt(start),
      meta_data: {
        type: this.element.type as NonNullable<SchemaElement['type']>,
        encodings,
        path_in_schema: [this.name],
        codec: 'SNAPPY',
        num_values: BigInt(this.rows),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(writer.sink.offset - start),
        data_page_offset: BigInt(dataPageOffset),
        ...(dictionaryPageOffset === undefined
          ? {}
          : { dictionary_page_offset: BigInt(dictionaryPageOffset) }),
        statistics,
      },
    }
  }

  /** Writes data pages of at most `rowsPerPage` rows; `values` encodes rows [start, end). */
  protected writePages(
    writer: ChunkWriter,
    rowsPerPage: number,
    encoding: Encoding,
    values: (start: number, end: number) => Uint8Array,
  ): number {
    let uncompressed = 0
    for (let start = 0; start < this.rows; start += rowsPerPage) {
      const end = Math.min(start + rowsPerPage, this.rows)
      const page: DataPage = { start, end, nulls: this.countNulls(start, end), values: values(start, end) }
      uncompressed += writer.writeDataPage(page, this.optional ? this.defined : undefined, encoding)
    }
    return uncompressed
  }

  protected countNulls(start: number, end: number): number {
    if (this.nulls === 0) return 0
    let nulls = 0
    for (let r = start; r < end; r++) if (this.defined[r] === 0) nulls++
    return nulls
  }
}

/**
 * Numbers held as float64: INT64 and timestamps as exact integers (up to 2^53; beyond that the
 * row's value is kept as a bigint on the side), DOUBLE, and DATE days.
 */
abstract class NumericColumn extends ColumnBuffer {
  readonly values: Float64Array
  /** Values beyond ±2^53, by row. */
  protected big: Map<number, bigint> | undefined
  abstract readonly width: 4 | 8

  constructor(element: SchemaElement, capacity: number) {
    super(element, capacity)
    this.values = new Float64Array(capacity)
  }

  override reset(): void {
    super.reset()
    this.big = undefined
  }

  protected setBig(row: number, value: bigint): void {
    if (value >= -BigInt(MAX_EXACT) && value <= BigInt(MAX_EXACT)) {
      this.values[row] = Number(value)
    } else {
      this.big ??= new Map()
      this.big.set(row, value)
      this.values[row] = 0
    }
  }

  protected abstract writeValue(view: DataView, offset: number, value: number): void

  /** Statistics from the numeric min/max (NaN excluded) and the big values. */
  protected abstract statistics(min: number, max: number, nan: number): Statistics

  writeChunk(writer: ChunkWriter): ColumnChunk {
    const { rows, defined, values, width } = this
    const nonNull = rows - this.nulls
    const table = writer.numbers
    const rowIndexes = writer.rowIndexes
    let dictionary = this.big === undefined && nonNull > 0
    table.reset(Math.max(16, nonNull >>> 2))
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    let nan = 0
    for (let r = 0; r < rows; r++) {
      if (defined[r] === 0) continue
      const v = values[r] as number
      if (Number.isNaN(v)) nan++
      else {
        if (v < min) min = v
        if (v > max) max = v
      }
      if (dictionary) {
        const index = table.add(v)
        if (index < 0) dictionary = false
        else rowIndexes[r] = index
      }
    }
    const bitWidth = bitWidthFor(table.count)
    if (dictionary && (table.count * width + Math.ceil((nonNull * bitWidth) / 8)) * 4 > nonNull * width * 3) {
      dictionary = false
    }

    const start = writer.sink.offset
    let uncompressed = 0
    let dictionaryPageOffset: number | undefined
    let encodings: Encoding[]
    if (dictionary) {
      dictionaryPageOffset = start
      const plain = writer.plain.reserve(table.count * width)
      for (let i = 0; i < table.count; i++) this.writeValue(plain.view, i * width, table.values[i] as number)
      uncompressed += writer.writeDictionaryPage(plain.bytes.subarray(0, table.count * width), table.count)
      encodings = ['PLAIN', 'RLE', 'RLE_DICTIONARY']
    } else {
      encodings = ['PLAIN', 'RLE']
    }
    const dataPageOffset = writer.sink.offset
    if (dictionary) {
      const rowsPerPage = Math.max(1024, Math.floor((PAGE_BYTES * 8) / bitWidth))
      uncompressed += this.writePages(writer, rowsPerPage, 'RLE_DICTIONARY', (s, e) =>
        writer.dictionaryIndexes(defined, s, e, bitWidth),
      )
    } else {
      uncompressed += this.writePages(writer, Math.floor(PAGE_BYTES / width), 'PLAIN', (s, e) => {
        const plain = writer.plain.reserve((e - s) * width)
        const view = plain.view
        const big = this.big
        let offset = 0
        for (let r = s; r < e; r++) {
          if (defined[r] === 0) continue
          const b = big?.get(r)
          if (b === undefined) this.writeValue(view, offset, values[r] as number)
          else view.setBigInt64(offset, b, true)
          offset += width
        }
        return plain.bytes.subarray(0, offset)
      })
    }
    return this.chunk(
      writer,
      start,
      dictionaryPageOffset,
      dataPageOffset,
      encodings,
      uncompressed,
      this.statistics(min, max, nan),
    )
  }

  protected int64Statistics(min: number, max: number): Statistics {
    const stats: Statistics = { null_count: BigInt(this.nulls) }
    let lo = min <= max ? BigInt(min) : undefined
    let hi = min <= max ? BigInt(max) : undefined
    for (const value of this.big?.values() ?? []) {
      if (lo === undefined || value < lo) lo = value
      if (hi === undefined || value > hi) hi = value
    }
    if (lo !== undefined && hi !== undefined) {
      stats.min_value = lo
      stats.max_value = hi
    }
    return stats
  }
}

/** bigint → INT64. */
export class Int64Column extends NumericColumn {
  readonly width = 8

  parse(b: Buffer, pos: number): number {
    const row = this.rows++
    let p = pos
    let c = b[p] as number
    if (c === BACKSLASH) return this.parseNull(b, pos, row)
    const negative = c === MINUS
    if (negative) c = b[++p] as number
    const digitsStart = p
    let value = 0
    while (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48)
      c = b[++p] as number
    }
    const digits = p - digitsStart
    if (digits === 0 || !isDelimiter(c)) throw this.invalid(b, pos)
    this.defined[row] = 1
    if (digits > 15) this.setBig(row, BigInt(latin1(b, pos, p)))
    else this.values[row] = negative ? 0 - value : value
    return p
  }

  protected writeValue(view: DataView, offset: number, value: number): void {
    writeInt64(view, offset, value)
  }

  protected statistics(min: number, max: number): Statistics {
    return this.int64Statistics(min, max)
  }
}

/** timestamp / timestamptz → INT64 microseconds since the epoch (UTC). */
export class TimestampColumn extends Int64Column {
  override parse(b: Buffer, pos: number): number {
    const row = this.rows++
    if (b[pos] === BACKSLASH) return this.parseNull(b, pos, row)
    this.defined[row] = 1
    // Fast path: YYYY-MM-DD HH:MM:SS[.ffffff][+HH]
    if (b[pos + 4] === MINUS && b[pos + 7] === MINUS && b[pos + 10] === 0x20 && b[pos + 13] === 0x3a) {
      const year = twoDigits(b, pos) * 100 + twoDigits(b, pos + 2)
      const month = twoDigits(b, pos + 5)
      const day = twoDigits(b, pos + 8)
      const hour = twoDigits(b, pos + 11)
      const minute = twoDigits(b, pos + 14)
      const second = twoDigits(b, pos + 17)
      if (
        b[pos + 16] === 0x3a &&
        year >= 0 &&
        month >= 0 &&
        day >= 0 &&
        hour >= 0 &&
        minute >= 0 &&
        second >= 0
      ) {
        let p = pos + 19
        let fraction = 0
        if (b[p] === DOT) {
          let scale = 1_000_000
          p++
          for (let d = digit(b, p); d >= 0; d = digit(b, ++p)) {
            scale /= 10
            fraction += d * scale
          }
        }
        let offsetSeconds = 0
        const sign = b[p]
        if ((sign === 0x2b || sign === MINUS) && isDelimiter(b[p + 3])) {
          const hours = twoDigits(b, p + 1)
          if (hours >= 0) {
            offsetSeconds = (sign === MINUS ? -3600 : 3600) * hours
            p += 3
          }
        }
        if (isDelimiter(b[p])) {
          const micros =
            daysFromCivil(year, month, day) * 86_400_000_000 +
            ((hour * 60 + minute) * 60 + second - offsetSeconds) * 1_000_000 +
            Math.round(fraction)
          if (micros >= -MAX_EXACT && micros <= MAX_EXACT) {
            this.values[row] = micros
            return p
          }
        }
      }
    }
    const end = fieldEnd(b, pos)
    try {
      this.setBig(row, parseTimestamp(latin1(b, pos, end)))
    } catch {
      throw this.invalid(b, pos)
    }
    return end
  }
}

/** numeric → DOUBLE (exact up to 15-17 significant digits; NaN and ±Infinity kept). */
export class DoubleColumn extends NumericColumn {
  readonly width = 8

  parse(b: Buffer, pos: number): number {
    const row = this.rows++
    let p = pos
    let c = b[p] as number
    if (c === BACKSLASH) return this.parseNull(b, pos, row)
    this.defined[row] = 1
    const negative = c === MINUS
    if (negative) c = b[++p] as number
    // Decimal text with a mantissa below 2^53 and at most 22 decimals divides exactly once by a
    // power of ten, which IEEE rounds correctly: the same double Number(text) gives.
    // Trailing zeros of the fraction (numeric division prints many) are skipped.
    let mantissa = 0
    let digits = 0
    let decimals = -1
    let zeros = 0
    for (;;) {
      if (c >= 48 && c <= 57) {
        digits++
        if (decimals < 0) {
          mantissa = mantissa * 10 + (c - 48)
        } else if (c === 48) {
          zeros++
        } else {
          decimals += zeros + 1
          mantissa = mantissa * (POW10[zeros + 1] ?? Number.POSITIVE_INFINITY) + (c - 48)
          zeros = 0
        }
      } else if (c === DOT && decimals < 0) {
        decimals = 0
      } else {
        break
      }
      c = b[++p] as number
    }
    if (isDelimiter(c) && digits > 0 && mantissa <= MAX_EXACT && decimals <= 22) {
      const value = decimals > 0 ? mantissa / (POW10[decimals] as number) : mantissa
      this.values[row] = negative ? -value : value
      return p
    }
    const end = fieldEnd(b, pos)
    const text = latin1(b, pos, end)
    const value = Number(text)
    if (Number.isNaN(value) && text !== 'NaN') throw this.invalid(b, pos)
    this.values[row] = value
    return end
  }

  protected writeValue(view: DataView, offset: number, value: number): void {
    view.setFloat64(offset, value, true)
  }

  protected statistics(min: number, max: number, nan: number): Statistics {
    // With NaN present, min/max are left out rather than risk a reader pruning NaN rows.
    if (nan > 0 || min > max) return { null_count: BigInt(this.nulls) }
    return { null_count: BigInt(this.nulls), min_value: min, max_value: max }
  }
}

/** date → INT32 days since the epoch. */
export class DateColumn extends NumericColumn {
  readonly width = 4

  parse(b: Buffer, pos: number): number {
    const row = this.rows++
    if (b[pos] === BACKSLASH) return this.parseNull(b, pos, row)
    this.defined[row] = 1
    if (b[pos + 4] === MINUS && b[pos + 7] === MINUS && isDelimiter(b[pos + 10])) {
      const year = twoDigits(b, pos) * 100 + twoDigits(b, pos + 2)
      const month = twoDigits(b, pos + 5)
      const day = twoDigits(b, pos + 8)
      if (year >= 0 && month >= 0 && day >= 0) {
        this.values[row] = daysFromCivil(year, month, day)
        return pos + 10
      }
    }
    const end = fieldEnd(b, pos)
    try {
      this.values[row] = parseDate(latin1(b, pos, end))
    } catch {
      throw this.invalid(b, pos)
    }
    return end
  }

  protected writeValue(view: DataView, offset: number, value: number): void {
    view.setInt32(offset, value, true)
  }

  protected statistics(min: number, max: number): Statistics {
    const stats: Statistics = { null_count: BigInt(this.nulls) }
    if (min <= max) {
      stats.min_value = min
      stats.max_value = max
    }
    return stats
  }
}

/** boolean → BOOLEAN (PLAIN, bit-packed). */
export class BooleanColumn extends ColumnBuffer {
  readonly values: Uint8Array

  constructor(element: SchemaElement, capacity: number) {
    super(element, capacity)
    this.values = new Uint8Array(capacity)
  }

  parse(b: Buffer, pos: number): number {
    const row = this.rows++
    const c = b[pos]
    if (c === BACKSLASH) return this.parseNull(b, pos, row)
    if ((c !== 0x74 && c !== 0x66) || !isDelimiter(b[pos + 1])) throw this.invalid(b, pos)
    this.defined[row] = 1
    this.values[row] = c === 0x74 ? 1 : 0
    return pos + 1
  }

  writeChunk(writer: ChunkWriter): ColumnChunk {
    const { defined, values } = this
    let trues = 0
    let falses = 0
    const start = writer.sink.offset
    const uncompressed = this.writePages(writer, PAGE_BYTES * 8, 'PLAIN', (s, e) => {
      const out = writer.plain.reserve(Math.ceil((e - s) / 8) + 8).bytes
      let count = 0
      let acc = 0
      let length = 0
      for (let r = s; r < e; r++) {
        if (defined[r] === 0) continue
        const v = values[r] as number
        if (v) trues++
        else falses++
        acc |= v << (count & 7)
        if ((++count & 7) === 0) {
          out[length++] = acc
          acc = 0
        }
      }
      if (count & 7) out[length++] = acc
      return out.subarray(0, length)
    })
    const stats: Statistics = { null_count: BigInt(this.nulls) }
    if (trues + falses > 0) {
      stats.min_value = falses === 0
      stats.max_value = trues > 0
    }
    return this.chunk(writer, start, undefined, start, ['PLAIN', 'RLE'], uncompressed, stats)
  }
}

/**
 * text → BYTE_ARRAY (UTF8). Every value is interned in the row group's table of distinct values as
 * it is read (hashing the bytes while looking for the delimiter), so repeated text costs no
 * allocation and the dictionary is ready when the chunk is written.
 */
export class StringColumn extends ColumnBuffer {
  /** Per row: the index of its distinct value. */
  readonly index: Int32Array
  private pool = new Uint8Array(64 * 1024)
  private poolLength = 0
  private starts = new Int32Array(1024)
  private lengths = new Int32Array(1024)
  private hashes = new Int32Array(1024)
  private count = 0
  private slots = new Int32Array(2048)
  private mask = 2047
  /** Bytes of all non-null values (with repeats). */
  private valueBytes = 0
  private decoded = Buffer.alloc(1024)
  /** The previous row's distinct value: sorted or repeated text usually matches it. */
  private previous = -1

  constructor(element: SchemaElement, capacity: number) {
    super(element, capacity)
    this.index = new Int32Array(capacity)
  }

  override reset(): void {
    super.reset()
    this.poolLength = 0
    this.count = 0
    this.valueBytes = 0
    this.previous = -1
    this.slots.fill(0)
  }

  parse(b: Buffer, pos: number): number {
    const row = this.rows++
    let c = b[pos] as number
    if (c === BACKSLASH && b[pos + 1] === 0x4e && isDelimiter(b[pos + 2])) return this.parseNull(b, pos, row)
    let p = pos
    let hash = 0x811c9dc5 | 0
    let escaped = false
    while (c !== TAB && c !== NEWLINE) {
      if (c === BACKSLASH) escaped = true
      hash = Math.imul(hash ^ c, 0x01000193)
      c = b[++p] as number
    }
    this.defined[row] = 1
    if (escaped) {
      if (this.decoded.length < p - pos) this.decoded = Buffer.alloc(2 * (p - pos))
      const length = decodeCopyEscapes(b, pos, p, this.decoded)
      let h = 0x811c9dc5 | 0
      for (let i = 0; i < length; i++) h = Math.imul(h ^ (this.decoded[i] as number), 0x01000193)
      this.index[row] = this.intern(this.decoded, 0, length, h)
      this.valueBytes += length
    } else {
      this.index[row] = this.intern(b, pos, p, hash)
      this.valueBytes += p - pos
    }
    return p
  }

  /** The text of a row (which must not be NULL). */
  text(row: number): string {
    const entry = this.index[row] as number
    const start = this.starts[entry] as number
    return Buffer.from(this.pool.buffer, this.pool.byteOffset + start, this.lengths[entry]).toString('utf8')
  }

  private intern(src: Buffer, start: number, end: number, hash: number): number {
    const length = end - start
    const previous = this.previous
    if (previous >= 0 && this.hashes[previous] === hash && this.lengths[previous] === length) {
      const pool = this.pool
      const at = this.starts[previous] as number
      let same = true
      for (let i = 0; i < length; i++) {
        if (pool[at + i] !== src[start + i]) {
          same = false
          break
        }
      }
      if (same) return previous
    }
    this.previous = this.lookup(src, start, end, hash)
    return this.previous
  }

  private lookup(src: Buffer, start: number, end: number, hash: number): number {
    const length = end - start
    let h = hash ^ (hash >>> 16)
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    const { slots, mask, pool, starts, lengths, hashes } = this
    let slot = h & mask
    for (;;) {
      const entry = slots[slot] as number
      if (entry === 0) break
      const index = entry - 1
      if (hashes[index] === hash && lengths[index] === length) {
        const at = starts[index] as number
        let same = true
        for (let i = 0; i < length; i++) {
          if (pool[at + i] !== src[start + i]) {
            same = false
            break
          }
        }
        if (same) return index
      }
      slot = (slot + 1) & mask
    }
    // A new distinct value.
    const index = this.count++
    if (this.poolLength + length > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.poolLength + length))
      grown.set(this.pool.subarray(0, this.poolLength))
      this.pool = grown
    }
    if (length < 32) {
      const target = this.pool
      const base = this.poolLength
      for (let i = 0; i < length; i++) target[base + i] = src[start + i] as number
    } else {
      this.pool.set(src.subarray(start, end), this.poolLength)
    }
    if (index >= this.starts.length) {
      const size = this.starts.length * 2
      this.starts = grow(this.starts, size)
      this.lengths = grow(this.lengths, size)
      this.hashes = grow(this.hashes, size)
    }
    this.starts[index] = this.poolLength
    this.lengths[index] = length
    this.hashes[index] = hash
    this.poolLength += length
    this.slots[slot] = index + 1
    if (this.count * 2 > this.slots.length) this.rehash()
    return index
  }

  private rehash(): void {
    const size = this.slots.length * 2
    const slots = new Int32Array(size)
    const mask = size - 1
    for (let index = 0; index < this.count; index++) {
      const hash = this.hashes[index] as number
      let h = hash ^ (hash >>> 16)
      h = Math.imul(h, 0x85ebca6b)
      h ^= h >>> 13
      let slot = h & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = index + 1
    }
    this.slots = slots
    this.mask = mask
  }

  writeChunk(writer: ChunkWriter): ColumnChunk {
    const { rows, defined, index, count, pool, starts, lengths } = this
    const nonNull = rows - this.nulls
    const bitWidth = bitWidthFor(count)
    const plainBytes = this.valueBytes + 4 * nonNull
    const dictionaryBytes = this.poolLength + 4 * count + Math.ceil((nonNull * bitWidth) / 8)
    const dictionary = nonNull > 0 && dictionaryBytes * 4 <= plainBytes * 3

    const start = writer.sink.offset
    let uncompressed = 0
    let dictionaryPageOffset: number | undefined
    if (dictionary) {
      dictionaryPageOffset = start
      const size = this.poolLength + 4 * count
      const { bytes, view } = writer.plain.reserve(size)
      let offset = 0
      for (let e = 0; e < count; e++) {
        const length = lengths[e] as number
        view.setUint32(offset, length, true)
        bytes.set(pool.subarray(starts[e], (starts[e] as number) + length), offset + 4)
        offset += 4 + length
      }
      uncompressed += writer.writeDictionaryPage(bytes.subarray(0, size), count)
      writer.rowIndexes.set(index.subarray(0, rows))
    }
    const dataPageOffset = writer.sink.offset
    if (dictionary) {
      const rowsPerPage = Math.max(1024, Math.floor((PAGE_BYTES * 8) / bitWidth))
      uncompressed += this.writePages(writer, rowsPerPage, 'RLE_DICTIONARY', (s, e) =>
        writer.dictionaryIndexes(defined, s, e, bitWidth),
      )
    } else {
      // PLAIN pages of about PAGE_BYTES each.
      let s = 0
      do {
        let e = s
        let size = 0
        while (e < rows && (size < PAGE_BYTES || e === s)) {
          if (defined[e] === 1) size += 4 + (lengths[index[e] as number] as number)
          e++
        }
        const { bytes, view } = writer.plain.reserve(size)
        let offset = 0
        for (let r = s; r < e; r++) {
          if (defined[r] === 0) continue
          const entry = index[r] as number
          const length = lengths[entry] as number
          const at = starts[entry] as number
          view.setUint32(offset, length, true)
          offset += 4
          if (length < 32) {
            for (let i = 0; i < length; i++) bytes[offset + i] = pool[at + i] as number
          } else {
            bytes.set(pool.subarray(at, at + length), offset)
          }
          offset += length
        }
        const page: DataPage = {
          start: s,
          end: e,
          nulls: this.countNulls(s, e),
          values: bytes.subarray(0, offset),
        }
        uncompressed += writer.writeDataPage(page, this.optional ? defined : undefined, 'PLAIN')
        s = e
      } while (s < rows)
    }

    const stats: Statistics = { null_count: BigInt(this.nulls) }
    if (nonNull > 0) {
      let min = 0
      let max = 0
      for (let e = 1; e < count; e++) {
        if (this.compareEntries(e, min) < 0) min = e
        if (this.compareEntries(e, max) > 0) max = e
      }
      stats.min_value = pool.slice(starts[min], (starts[min] as number) + (lengths[min] as number))
      stats.max_value = pool.slice(starts[max], (starts[max] as number) + (lengths[max] as number))
    }
    const encodings: Encoding[] = dictionary ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : ['PLAIN', 'RLE']
    return this.chunk(writer, start, dictionaryPageOffset, dataPageOffset, encodings, uncompressed, stats)
  }

  /** Unsigned byte order, which for UTF-8 is code point order (Parquet's order for strings). */
  private compareEntries(a: number, b: number): number {
    const pool = this.pool
    const aStart = this.starts[a] as number
    const bStart = this.starts[b] as number
    const aLength = this.lengths[a] as number
    const bLength = this.lengths[b] as number
    const length = Math.min(aLength, bLength)
    for (let i = 0; i < length; i++) {
      const d = (pool[aStart + i] as number) - (pool[bStart + i] as number)
      if (d !== 0) return d
    }
    return aLength - bLength
  }
}

function grow(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(size)
  grown.set(array)
  return grown
}

/** The column buffer for a manifest field type (always nullable). */
export function fieldColumn(name: string, type: FieldType, capacity: number): ColumnBuffer {
  switch (type) {
    case 'integer':
      return new Int64Column(int64Element(name, true), capacity)
    case 'number':
      return new DoubleColumn(doubleElement(name, true), capacity)
    case 'boolean':
      return new BooleanColumn(booleanElement(name, true), capacity)
    case 'date':
      return new DateColumn(dateElement(name, true), capacity)
    case 'datetime':
      return new TimestampColumn(timestampElement(name, true, false), capacity)
    case 'string':
      return new StringColumn(stringElement(name, true), capacity)
    default:
      throw new Error(`unknown field type ${JSON.stringify(type satisfies never)}`)
  }
}

/** The lineage columns (see db/sql-types.ts), never NULL; `_loaded_at` is a timestamptz (UTC). */
export function lineageColumns(capacity: number): ColumnBuffer[] {
  return [
    new StringColumn(stringElement('_period', false), capacity),
    new Int64Column(int64Element('_load_id', false), capacity),
    new StringColumn(stringElement('_source_file', false), capacity),
    new TimestampColumn(timestampElement('_loaded_at', false, true), capacity),
  ]
}
