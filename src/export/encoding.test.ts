import { snappyUncompress } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { daysFromCivil, parseDate, parseTimestamp } from './columns.js'
import { encodeRleHybrid } from './parquet-output.js'
import { snappyCompressInto, snappyMaxLength } from './snappy.js'

/** Decodes Parquet's RLE / bit-packed hybrid (the reference for encodeRleHybrid). */
function decodeRleHybrid(bytes: Uint8Array, bitWidth: number, count: number): number[] {
  const values: number[] = []
  let i = 0
  const readVarint = () => {
    let value = 0
    let shift = 0
    for (;;) {
      const byte = bytes[i++] as number
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
      shift += 7
    }
  }
  while (values.length < count) {
    const header = readVarint()
    if (header % 2 === 0) {
      let value = 0
      for (let k = 0; k < Math.ceil(bitWidth / 8); k++) value |= (bytes[i++] as number) << (8 * k)
      for (let k = 0; k < header / 2; k++) values.push(value)
    } else {
      const groups = (header - 1) / 2
      let acc = 0
      let bits = 0
      for (let k = 0; k < groups * 8; k++) {
        while (bits < bitWidth) {
          acc += (bytes[i++] as number) * 2 ** bits
          bits += 8
        }
        values.push(acc % 2 ** bitWidth)
        acc = Math.floor(acc / 2 ** bitWidth)
        bits -= bitWidth
      }
    }
  }
  return values.slice(0, count)
}

describe('snappy', () => {
  const inputs: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    short: new Uint8Array([1, 2, 3]),
    repetitive: new Uint8Array(200_000).map((_, i) => (i % 13) + (i % 1000 === 0 ? 7 : 0)),
    random: new Uint8Array(100_000).map(() => Math.floor(Math.random() * 256)),
    text: Buffer.from('Ynys Môn – £5 😀 '.repeat(5000)),
  }
  for (const length of [14, 15, 16, 65535, 65536, 65537]) {
    inputs[`length ${length}`] = new Uint8Array(length).map((_, i) => (i * 31) % 17)
  }

  for (const [name, input] of Object.entries(inputs)) {
    it(`round-trips ${name} input through hyparquet's decompressor`, () => {
      const out = new Uint8Array(snappyMaxLength(input.length))
      const length = snappyCompressInto(input, out)
      const back = new Uint8Array(input.length)
      snappyUncompress(out.subarray(0, length), back)
      expect(Buffer.compare(Buffer.from(back), Buffer.from(input))).toBe(0)
    })
  }
})

describe('encodeRleHybrid', () => {
  it('encodes runs, bit-packed stretches and their mixtures losslessly at every width', () => {
    const cases: number[][] = [
      [1],
      Array(1000).fill(1),
      Array.from({ length: 1001 }, (_, i) => i % 2),
      Array.from({ length: 997 }, (_, i) => (i % 50 < 30 ? 1 : i % 3 === 0 ? 0 : 1)),
      Array.from({ length: 5000 }, (_, i) => Math.floor(i / 9) % 7),
    ]
    for (const values of cases) {
      for (const bitWidth of [1, 3, 8, 13, 20]) {
        const mask = 2 ** bitWidth - 1
        const input = Int32Array.from(values, (v) => (v * 2654435761) & mask)
        const out = new Uint8Array(input.length * 4 + 64)
        const length = encodeRleHybrid(input, 0, input.length, bitWidth, out)
        expect(decodeRleHybrid(out.subarray(0, length), bitWidth, input.length)).toEqual([...input])
      }
    }
  })

  it('encodes a slice of the values', () => {
    const input = Uint8Array.from({ length: 100 }, (_, i) => (i < 40 ? 1 : i % 2))
    const out = new Uint8Array(1024)
    const length = encodeRleHybrid(input, 35, 77, 1, out)
    expect(decodeRleHybrid(out.subarray(0, length), 1, 42)).toEqual([...input.subarray(35, 77)])
  })
})

describe('date and timestamp text', () => {
  it('counts days like the JavaScript calendar does', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((Math.random() - 0.5) * 2 * 8.64e15)
      const date = new Date(ms)
      const days = daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())
      expect(days).toBe(Math.floor(ms / 86_400_000))
    }
  })

  it('reads the ISO forms PostgreSQL writes, including BC, big years and infinity', () => {
    expect(parseDate('1970-01-01')).toBe(0)
    expect(parseDate('2024-02-29')).toBe(19782)
    expect(parseDate('10000-01-01')).toBe(2932897)
    expect(parseDate('0044-03-15 BC')).toBe(-735160)
    expect(parseDate('infinity')).toBe(2147483647)
    expect(parseTimestamp('1970-01-01 00:00:00')).toBe(0n)
    expect(parseTimestamp('2024-02-29 23:59:59.999999')).toBe(1709251199999999n)
    expect(parseTimestamp('2024-02-29 23:59:59.5+01')).toBe(1709247599500000n)
    expect(parseTimestamp('1899-12-31 12:00:00')).toBe(-2209032000000000n)
    expect(parseTimestamp('0044-03-15 12:00:00.5 BC')).toBe(-63517780799500000n)
    expect(parseTimestamp('-infinity')).toBe(-9223372036854775807n)
    expect(() => parseDate('31/01/2024')).toThrow(/unexpected date/)
  })
})
