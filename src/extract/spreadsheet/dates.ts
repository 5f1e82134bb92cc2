/** Excel number formats that show dates or times, and Excel serial numbers → UTC Dates. */

/** Built-in number format ids that Excel renders as dates or times (ECMA-376 §18.8.30 plus CJK locales). */
export function isBuiltinDateFormat(numFmtId: number): boolean {
  return (
    (numFmtId >= 14 && numFmtId <= 22) ||
    (numFmtId >= 27 && numFmtId <= 36) ||
    (numFmtId >= 45 && numFmtId <= 47) ||
    (numFmtId >= 50 && numFmtId <= 58)
  )
}

const ELAPSED = /^\[(h+|m+|s+)\]$/i

/**
 * Whether a number format code shows a date or time: it has a d, m, y, h or s token outside quoted
 * text, backslash escapes, `_x`/`*x` padding and `[...]` sections (colours, conditions, locales) —
 * except the elapsed-time sections `[h]`, `[mm]`, `[ss]`, which count as time.
 */
export function isDateFormatCode(code: string): boolean {
  const trimmed = code.trim()
  if (trimmed === '' || /^general$/i.test(trimmed)) return false
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!
    switch (ch) {
      case '"': {
        const end = code.indexOf('"', i + 1)
        if (end < 0) return false
        i = end
        break
      }
      case '\\':
      case '_':
      case '*':
        i++ // the next character is literal (or padding)
        break
      case '[': {
        const end = code.indexOf(']', i + 1)
        if (end < 0) return false
        if (ELAPSED.test(code.slice(i, end + 1))) return true
        i = end
        break
      }
      case 'd':
      case 'D':
      case 'm':
      case 'M':
      case 'y':
      case 'Y':
      case 'h':
      case 'H':
      case 's':
      case 'S':
        return true
      default:
        break
    }
  }
  return false
}

const MS_PER_DAY = 86_400_000
/** 1899-12-30T00:00Z: serial 0 in the 1900 system, once past Excel's fake 1900-02-29. */
const EPOCH_1900_AFTER_LEAP = Date.UTC(1899, 11, 30)
/** 1899-12-31T00:00Z: serial 0 in the 1900 system for serials before the fake leap day (1 = 1900-01-01). */
const EPOCH_1900_BEFORE_LEAP = Date.UTC(1899, 11, 31)
/** 1904-01-01T00:00Z: serial 0 in the 1904 system. */
const EPOCH_1904 = Date.UTC(1904, 0, 1)

/**
 * Converts an Excel serial date to a UTC Date, rounded to the nearest millisecond.
 * In the 1900 system, serials below 61 count from 1899-12-31 (1 = 1900-01-01) and later ones from
 * 1899-12-30, skipping Excel's non-existent 1900-02-29 (serial 60, which lands on 1900-03-01).
 */
export function excelSerialToDate(serial: number, date1904: boolean): Date {
  let epoch: number
  if (date1904) epoch = EPOCH_1904
  else if (serial < 61) epoch = EPOCH_1900_BEFORE_LEAP
  else epoch = EPOCH_1900_AFTER_LEAP
  return new Date(epoch + Math.round(serial * MS_PER_DAY))
}

const HAS_ZONE = /(?:Z|[+-]\d\d:?\d\d)$/i

/** Parses a `t="d"` cell's ISO 8601 text as UTC (a time without a zone is taken as UTC). */
export function parseIsoDate(text: string): Date | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  const iso = trimmed.includes('T') && !HAS_ZONE.test(trimmed) ? `${trimmed}Z` : trimmed
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date
}
