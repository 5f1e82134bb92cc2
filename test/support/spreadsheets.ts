/** Small generated spreadsheets shaped like NHS releases, for the extraction tests: XLSX (exceljs) and ODS. */
import { createWriteStream } from 'node:fs'
import ExcelJS from 'exceljs'
import yazl from 'yazl'

export type Cell = string | number | boolean | Date | null

export interface SheetFixture {
  name: string
  state?: 'visible' | 'hidden'
  /** [row, values from the first column on, first column (1 = A)]. */
  rows: (readonly [row: number, values: readonly Cell[], firstColumn?: number])[]
  /** Ranges like "B4:D4". */
  merges?: string[]
}

export const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m - 1, d))

/** Writes an XLSX with the given sheets, cells placed at their rows and columns, merged ranges merged. */
export async function writeXlsx(path: string, sheets: readonly SheetFixture[]): Promise<void> {
  const wb = new ExcelJS.Workbook()
  for (const spec of sheets) {
    const ws = wb.addWorksheet(spec.name, spec.state ? { state: spec.state } : {})
    for (const [row, values, first = 1] of spec.rows) {
      values.forEach((value, i) => {
        if (value !== null) ws.getCell(row, first + i).value = value
      })
    }
    for (const range of spec.merges ?? []) ws.mergeCells(range)
  }
  await wb.xlsx.writeFile(path)
}

/** An ODS cell: a value, or a value with repeats and spans, or raw XML for the odd case. */
export type OdsCell =
  | Cell
  | { value: Cell; repeat?: number; across?: number; down?: number; covered?: boolean; note?: string }

export interface OdsSheet {
  name: string
  hidden?: boolean
  /** Rows in order; a number is that many empty rows (number-rows-repeated). */
  rows: (readonly OdsCell[] | number | { repeat: number; cells: readonly OdsCell[] })[]
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function odsCell(cell: OdsCell): string {
  const spec = cell !== null && typeof cell === 'object' && !(cell instanceof Date) ? cell : { value: cell }
  const attrs: string[] = []
  if (spec.repeat) attrs.push(`table:number-columns-repeated="${spec.repeat}"`)
  if (spec.across) attrs.push(`table:number-columns-spanned="${spec.across}"`)
  if (spec.down) attrs.push(`table:number-rows-spanned="${spec.down}"`)
  const v = spec.value
  let body = ''
  if (typeof v === 'number') attrs.push(`office:value-type="float" office:value="${v}"`)
  else if (typeof v === 'boolean') attrs.push(`office:value-type="boolean" office:boolean-value="${v}"`)
  else if (v instanceof Date)
    attrs.push(`office:value-type="date" office:date-value="${v.toISOString().slice(0, 19)}"`)
  else if (typeof v === 'string') attrs.push('office:value-type="string"')
  if (v !== null && v !== undefined) {
    const text = v instanceof Date ? v.toISOString().slice(0, 10) : String(v)
    // Runs of spaces as <text:s text:c="n"/>, lines as paragraphs, as LibreOffice and Excel write them.
    body = text
      .split('\n')
      .map(
        (line) =>
          `<text:p>${escapeXml(line).replace(/ {2,}/g, (m) => ` <text:s text:c="${m.length - 1}"/>`)}</text:p>`,
      )
      .join('')
  }
  if (spec.note)
    body = `<office:annotation><text:p>${escapeXml(spec.note)}</text:p></office:annotation>${body}`
  const tag = spec.covered ? 'table:covered-table-cell' : 'table:table-cell'
  return `<${tag}${attrs.length ? ` ${attrs.join(' ')}` : ''}>${body}</${tag}>`
}

/** The content.xml of an ODS with the given sheets. */
export function odsContent(sheets: readonly OdsSheet[]): string {
  const tables = sheets
    .map((sheet) => {
      const rows = sheet.rows
        .map((row) => {
          if (typeof row === 'number')
            return `<table:table-row table:number-rows-repeated="${row}"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`
          const spec = Array.isArray(row)
            ? { repeat: 1, cells: row as readonly OdsCell[] }
            : (row as { repeat: number; cells: readonly OdsCell[] })
          const { repeat, cells } = spec
          const attr = repeat > 1 ? ` table:number-rows-repeated="${repeat}"` : ''
          return `<table:table-row${attr}>${cells.map(odsCell).join('')}<table:table-cell table:number-columns-repeated="16000"/></table:table-row>`
        })
        .join('')
      const style = sheet.hidden ? ' table:style-name="hiddenTable"' : ' table:style-name="ta1"'
      return `<table:table table:name="${escapeXml(sheet.name)}"${style}><table:table-column table:number-columns-repeated="16384"/>${rows}<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>`
    })
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"><office:automatic-styles><style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style><style:style style:name="hiddenTable" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles><office:body><office:spreadsheet>${tables}</office:spreadsheet></office:body></office:document-content>`
}

/** Writes an ODS package: the uncompressed mimetype first, a manifest, and the content. */
export async function writeOds(
  path: string,
  sheets: readonly OdsSheet[],
  content = odsContent(sheets),
): Promise<void> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('application/vnd.oasis.opendocument.spreadsheet'), 'mimetype', {
    compress: false,
  })
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
    ),
    'META-INF/manifest.xml',
  )
  zip.addBuffer(Buffer.from(content), 'content.xml')
  zip.end()
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path)
    out.on('close', resolve)
    out.on('error', reject)
    zip.outputStream.pipe(out)
  })
}

/* Hand-written XLSX packages, for what exceljs will not write (odd layouts, broken parts). */

/** Writes a ZIP from part name → XML text, the way a non-Excel writer might lay out a package. */
export async function writeZip(path: string, parts: Record<string, string | Buffer>): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const [name, content] of Object.entries(parts)) {
    zip.addBuffer(typeof content === 'string' ? Buffer.from(content, 'utf8') : content, name)
  }
  zip.end()
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path)
    out.on('close', resolve)
    out.on('error', reject)
    zip.outputStream.pipe(out)
  })
}

export const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships'

/** A minimal package: the given sheets (name → { xml, state?, chart? }), optional shared strings and styles. */
export function handWrittenPackage(options: {
  sheets: { name: string; xml: string; state?: string; chart?: boolean; absolute?: boolean }[]
  sharedStrings?: string[]
  styles?: string
  workbookPr?: string
}): Record<string, string> {
  const parts: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  }
  const rels: string[] = []
  const sheets: string[] = []
  options.sheets.forEach((sheet, i) => {
    const folder = sheet.chart ? 'chartsheets' : 'worksheets'
    const target = `${sheet.absolute ? '/xl/' : ''}${folder}/sheet${i + 1}.xml`
    rels.push(
      `<Relationship Id="rId${i + 1}" Type="${REL}/${sheet.chart ? 'chartsheet' : 'worksheet'}" Target="${target}"/>`,
    )
    const state = sheet.state ? ` state="${sheet.state}"` : ''
    sheets.push(`<sheet name="${sheet.name}" sheetId="${i + 1}"${state} r:id="rId${i + 1}"/>`)
    parts[`xl/${folder}/sheet${i + 1}.xml`] = sheet.xml
  })
  if (options.sharedStrings) {
    rels.push(`<Relationship Id="rIdS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`)
    parts['xl/sharedStrings.xml'] =
      `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}" count="${options.sharedStrings.length}">` +
      `${options.sharedStrings.join('')}</sst>`
  }
  if (options.styles) {
    rels.push(`<Relationship Id="rIdT" Type="${REL}/styles" Target="styles.xml"/>`)
    parts['xl/styles.xml'] = options.styles
  }
  parts['xl/_rels/workbook.xml.rels'] =
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG}">${rels.join('')}</Relationships>`
  parts['xl/workbook.xml'] =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${MAIN}" xmlns:r="${REL}">` +
    `${options.workbookPr ?? ''}<sheets>${sheets.join('')}</sheets></workbook>`
  return parts
}

export function worksheet(sheetData: string, after = ''): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>${sheetData}</sheetData>${after}</worksheet>`
}
