/** String decoding shared by the parts of a workbook. */

const ESCAPE = /_x([0-9A-Fa-f]{4})_/g

/**
 * Decodes the `_xHHHH_` escapes OOXML uses for characters XML cannot carry ("_x000D_" → "\r").
 * "_x005F_" is an escaped underscore, so "_x005F_x000D_" stays the literal text "_x000D_".
 */
export function decodeOoxmlEscapes(text: string): string {
  if (text.indexOf('_x') < 0) return text
  return text.replace(ESCAPE, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

// Characters XML 1.0 forbids; some non-Excel writers emit them raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g

/**
 * Rewrites characters XML 1.0 forbids as `_xHHHH_` escapes so the strict parser accepts the text;
 * {@link decodeOoxmlEscapes} turns them back into the original characters in string cells.
 */
export function escapeForbiddenXmlChars(text: string): string {
  FORBIDDEN.lastIndex = 0
  if (!FORBIDDEN.test(text)) return text
  return text.replace(FORBIDDEN, (ch) => `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`)
}
