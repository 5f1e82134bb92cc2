/**
 * Snappy block compression (the format Parquet's SNAPPY codec uses), following the reference
 * implementation: 64 KB fragments, a hash table of 4-byte sequences, literals and copies. It is
 * the algorithm hyparquet-writer ships, rewritten to write into one preallocated buffer instead of
 * appending byte by byte, which makes it several times faster.
 */

const BLOCK_SIZE = 1 << 16
const MAX_HASH_TABLE_BITS = 14
const INPUT_MARGIN = 15

const table = new Uint16Array(1 << MAX_HASH_TABLE_BITS)

/** The most bytes compressing `length` bytes can produce. */
export function snappyMaxLength(length: number): number {
  return 32 + length + Math.floor(length / 6)
}

function load32(input: Uint8Array, i: number): number {
  return (
    (input[i] as number) |
    ((input[i + 1] as number) << 8) |
    ((input[i + 2] as number) << 16) |
    ((input[i + 3] as number) << 24)
  )
}

function emitLiteral(
  input: Uint8Array,
  from: number,
  length: number,
  output: Uint8Array,
  op: number,
): number {
  const n = length - 1
  if (n < 60) {
    output[op++] = n << 2
  } else if (n < 0x100) {
    output[op++] = 60 << 2
    output[op++] = n
  } else {
    output[op++] = 61 << 2
    output[op++] = n & 0xff
    output[op++] = n >>> 8
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) output[op + i] = input[from + i] as number
  } else {
    output.set(input.subarray(from, from + length), op)
  }
  return op + length
}

function emitCopyUpTo64(output: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    output[op++] = 1 + ((length - 4) << 2) + ((offset >>> 8) << 5)
    output[op++] = offset & 0xff
  } else {
    output[op++] = 2 + ((length - 1) << 2)
    output[op++] = offset & 0xff
    output[op++] = offset >>> 8
  }
  return op
}

function emitCopy(output: Uint8Array, op: number, offset: number, length: number): number {
  let remaining = length
  while (remaining >= 68) {
    op = emitCopyUpTo64(output, op, offset, 64)
    remaining -= 64
  }
  if (remaining > 64) {
    op = emitCopyUpTo64(output, op, offset, 60)
    remaining -= 60
  }
  return emitCopyUpTo64(output, op, offset, remaining)
}

function compressFragment(
  input: Uint8Array,
  start: number,
  end: number,
  output: Uint8Array,
  op: number,
): number {
  const size = end - start
  let bits = 8
  while (bits < MAX_HASH_TABLE_BITS && 1 << bits < size) bits++
  const shift = 32 - bits
  table.fill(0, 0, 1 << bits)

  let ip = start
  let nextEmit = start
  if (size >= INPUT_MARGIN) {
    const ipLimit = end - INPUT_MARGIN
    ip++
    let nextHash = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift
    outer: for (;;) {
      let skip = 32
      let nextIp = ip
      let candidate = 0
      do {
        ip = nextIp
        const hash = nextHash
        nextIp = ip + (skip++ >>> 5)
        if (nextIp > ipLimit) break outer
        nextHash = Math.imul(load32(input, nextIp), 0x1e35a7bd) >>> shift
        candidate = start + (table[hash] as number)
        table[hash] = ip - start
      } while (load32(input, ip) !== load32(input, candidate))

      op = emitLiteral(input, nextEmit, ip - nextEmit, output, op)

      do {
        const base = ip
        let matched = 4
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++
        ip += matched
        op = emitCopy(output, op, base - candidate, matched)
        nextEmit = ip
        if (ip >= ipLimit) break outer
        const prevHash = Math.imul(load32(input, ip - 1), 0x1e35a7bd) >>> shift
        table[prevHash] = ip - 1 - start
        const currentHash = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift
        candidate = start + (table[currentHash] as number)
        table[currentHash] = ip - start
      } while (load32(input, ip) === load32(input, candidate))

      ip++
      nextHash = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end - nextEmit, output, op)
  return op
}

/**
 * Compresses `input` into `output`, which must hold snappyMaxLength(input.length) bytes.
 * Returns the compressed length.
 */
export function snappyCompressInto(input: Uint8Array, output: Uint8Array): number {
  if (output.length < snappyMaxLength(input.length)) throw new Error('snappy output buffer too small')
  let op = 0
  let length = input.length
  while (length >= 0x80) {
    output[op++] = (length & 0x7f) | 0x80
    length = Math.floor(length / 128)
  }
  output[op++] = length
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    op = compressFragment(input, start, Math.min(start + BLOCK_SIZE, input.length), output, op)
  }
  return op
}
