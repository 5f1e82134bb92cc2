/** Windows-1252 decoding that keeps every byte. */

/**
 * Characters for bytes 0x80–0x9F, the only range where Windows-1252 differs from Latin-1.
 * The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the C1 control
 * with the same number, as the WHATWG Encoding Standard decodes them. iconv-lite turns those five into
 * U+FFFD, which would lose the byte; Node 20's TextDecoder('windows-1252') decodes plain Latin-1 and
 * gets 0x80–0x9F wrong (0x96 would come out as U+0096 instead of '–').
 */
// biome-ignore format: one row per 8 bytes reads like the code chart
const HIGH = [
  '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
  '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
  '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
  '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
]

const C1 = /[\u0080-\u009F]/g

function remap(ch: string): string {
  return HIGH[ch.charCodeAt(0) - 0x80]!
}

/** Decodes Windows-1252 bytes. A single-byte encoding, so chunks can be decoded independently. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  C1.lastIndex = 0
  return C1.test(latin1) ? latin1.replace(C1, remap) : latin1
}
