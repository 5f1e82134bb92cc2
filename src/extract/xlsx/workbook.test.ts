import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handWrittenPackage, MAIN, worksheet, writeZip } from '../../../test/support/spreadsheets.js'
import { DataWarpError } from '../../model/table.js'
import { type MergedRange, type SheetRow, XlsxWorkbook } from './workbook.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datawarp-xlsx-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function collect(rows: AsyncIterable<SheetRow>): Promise<SheetRow[]> {
  const out: SheetRow[] = []
  for await (const row of rows) out.push(row)
  return out
}

async function readSheet(path: string, sheet: string): Promise<SheetRow[]> {
  const wb = await XlsxWorkbook.open(path)
  try {
    return await collect(wb.rows(sheet))
  } finally {
    await wb.close()
  }
}

/** The cells of the row at a 1-based position, or undefined when that row was not yielded. */
function rowAt(rows: SheetRow[], position: number) {
  return rows.find((row) => row.position === position)?.cells
}

describe('XlsxWorkbook with a workbook written by exceljs', () => {
  let path: string

  beforeAll(async () => {
    path = join(dir, 'kitchen-sink.xlsx')
    const wb = new ExcelJS.Workbook()

    const data = wb.addWorksheet('Data')
    data.getRow(1).values = ['Name', 'Count', 'Flag', 'Error']
    data.getRow(2).values = ['alpha', 42, true, { error: '#N/A' }]
    data.getRow(3).values = [
      { richText: [{ text: 'Bold', font: { bold: true } }, { text: ' and plain' }] },
      -3.5,
      false,
      { error: '#DIV/0!' },
    ]
    data.getCell('A4').value = 'line one\nline two'
    data.getCell('B4').value = '  double  spaces  '
    // Rows 5 and 6 are left empty; row 6 only has a styled, empty cell.
    data.getCell('C6').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF0000' } }
    data.getCell('A7').value = 'after the gap'
    data.getCell('B8').value = 'only column B'
    data.getCell('A9').value = 'short row'
    data.getCell('Z9').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF00FF00' } }
    data.getCell('A10').value = ''
    data.getCell('B10').value = 'after an empty string'
    data.getCell('A11').value = { formula: 'B2-B2', result: 0 }
    data.getCell('B11').value = { formula: 'B2*2', result: 84 }
    data.getCell('C11').value = { formula: 'A2&"x"', result: 'alphax' }
    data.getCell('D11').value = { formula: 'NOW()' } as ExcelJS.CellFormulaValue
    data.getCell('A12').value = 'merged across'
    data.mergeCells('A12:C12')
    data.mergeCells('E2:F5')

    const dates = wb.addWorksheet('Dates')
    const cell = (ref: string, value: ExcelJS.CellValue, numFmt?: string) => {
      const c = dates.getCell(ref)
      c.value = value
      if (numFmt) c.numFmt = numFmt
    }
    cell('A1', new Date(Date.UTC(2024, 0, 15)))
    cell('A2', new Date(Date.UTC(2023, 11, 31)), 'dd/mm/yyyy')
    cell('A3', new Date(Date.UTC(2022, 9, 1)), 'mmm-yy')
    cell('A4', new Date(Date.UTC(2024, 2, 5, 14, 30)), 'yyyy-mm-dd hh:mm')
    cell('A5', new Date(Date.UTC(2021, 6, 4)), 'd-mmm-yy')
    cell('A6', 1.5, '[h]:mm')
    cell('A7', 45000.25, '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy')
    cell('B1', 1234.5678, '0.00')
    cell('B2', 0.25, '0%')
    cell('B3', 1234567, '#,##0')
    cell('B4', 42, '"Day "0')
    cell('B5', 7, '[Red]0;[Blue]-0')
    cell('B6', 99, '@')
    cell('B7', 3.25, '_-£* #,##0.00_-;\\-£* #,##0.00_-;_-£* "-"??_-;_-@_-')

    wb.addWorksheet('Secret', { state: 'hidden' })
    wb.getWorksheet('Secret')!.getCell('A1').value = 'hidden value'
    wb.addWorksheet('Deeper', { state: 'veryHidden' })
    wb.getWorksheet('Deeper')!.getCell('A1').value = 'very hidden value'
    await wb.xlsx.writeFile(path)
  })

  it('lists the sheets in workbook order with their hidden flags', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      expect(wb.path).toBe(path)
      expect(wb.sheets).toEqual([
        { name: 'Data', index: 0, hidden: false, kind: 'worksheet' },
        { name: 'Dates', index: 1, hidden: false, kind: 'worksheet' },
        { name: 'Secret', index: 2, hidden: true, kind: 'worksheet' },
        { name: 'Deeper', index: 3, hidden: true, kind: 'worksheet' },
      ])
      expect(await collect(wb.rows('Secret'))).toEqual([{ position: 1, cells: ['hidden value'] }])
    } finally {
      await wb.close()
    }
  })

  it('reads shared strings, rich text, numbers, booleans and error values', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rowAt(rows, 1)).toEqual(['Name', 'Count', 'Flag', 'Error'])
    expect(rowAt(rows, 2)).toEqual(['alpha', 42, true, '#N/A'])
    expect(rowAt(rows, 3)).toEqual(['Bold and plain', -3.5, false, '#DIV/0!'])
  })

  it('keeps strings exactly as written, with newlines and repeated spaces', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rowAt(rows, 4)).toEqual(['line one\nline two', '  double  spaces  '])
  })

  it('skips rows with no non-empty cell and keeps the real row positions', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 4, 7, 8, 9, 10, 11, 12])
    expect(rowAt(rows, 7)).toEqual(['after the gap'])
    expect(rowAt(rows, 8)).toEqual([null, 'only column B'])
  })

  it('ends a row at its last non-empty cell, however far right empty styled cells go', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rowAt(rows, 9)).toEqual(['short row'])
  })

  it('treats empty strings as empty cells', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rowAt(rows, 10)).toEqual([null, 'after an empty string'])
  })

  it('uses cached formula results, keeping a cached 0 as 0 and a missing result as null', async () => {
    const rows = await readSheet(path, 'Data')
    expect(rowAt(rows, 11)).toEqual([0, 84, 'alphax'])
  })

  it('returns merged ranges as 1-based inclusive bounds', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      const expected = [
        { top: 2, left: 5, bottom: 5, right: 6 },
        { top: 12, left: 1, bottom: 12, right: 3 },
      ]
      const byPosition = (ranges: MergedRange[]) => ranges.sort((a, b) => a.top - b.top || a.left - b.left)
      expect(byPosition(await wb.merges('Data'))).toEqual(expected)
      // Again after a full rows() pass, which collects the merges on its way through the sheet.
      await collect(wb.rows('Data'))
      expect(byPosition(await wb.merges('Data'))).toEqual(expected)
      expect(await wb.merges('Dates')).toEqual([])
    } finally {
      await wb.close()
    }
  })

  it('turns numbers with built-in and custom date formats into UTC dates', async () => {
    const rows = await readSheet(path, 'Dates')
    const column = (col: number) => rows.map((row) => row.cells[col])
    expect(column(0)).toEqual([
      new Date('2024-01-15T00:00:00Z'),
      new Date('2023-12-31T00:00:00Z'),
      new Date('2022-10-01T00:00:00Z'),
      new Date('2024-03-05T14:30:00Z'),
      new Date('2021-07-04T00:00:00Z'),
      new Date('1900-01-01T12:00:00Z'), // 1.5 days as elapsed time: serial 1.5
      new Date('2023-03-15T06:00:00Z'),
    ])
  })

  it('leaves numbers with non-date formats as numbers', async () => {
    const rows = await readSheet(path, 'Dates')
    expect(rows.map((row) => row.cells[1])).toEqual([1234.5678, 0.25, 1234567, 42, 7, 99, 3.25])
  })

  it('reads a 1904-based workbook with its own epoch', async () => {
    const path1904 = join(dir, 'date1904.xlsx')
    const wb = new ExcelJS.Workbook()
    wb.properties.date1904 = true
    const sheet = wb.addWorksheet('Dates')
    sheet.getCell('A1').value = new Date(Date.UTC(2024, 0, 15))
    sheet.getCell('A2').value = 0
    sheet.getCell('A2').numFmt = 'yyyy-mm-dd'
    sheet.getCell('A3').value = 1000
    await wb.xlsx.writeFile(path1904)

    const rows = await readSheet(path1904, 'Dates')
    expect(rows.map((row) => row.cells)).toEqual([
      [new Date('2024-01-15T00:00:00Z')],
      [new Date('1904-01-01T00:00:00Z')],
      [1000],
    ])
  })

  it('streams inline strings from a workbook written without a shared string table', async () => {
    const streamed = join(dir, 'inline.xlsx')
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: streamed, useSharedStrings: false })
    const sheet = writer.addWorksheet('Inline')
    sheet
      .addRow([{ richText: [{ text: 'rich ' }, { text: 'inline', font: { italic: true } }] }, 'plain', 12])
      .commit()
    sheet.addRow(['second']).commit()
    sheet.commit()
    await writer.commit()

    const rows = await readSheet(streamed, 'Inline')
    expect(rows).toEqual([
      { position: 1, cells: ['rich inline', 'plain', 12] },
      { position: 2, cells: ['second'] },
    ])
  })

  it('lets a consumer stop early and read the sheet again from the start', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      for await (const row of wb.rows('Data')) {
        expect(row.position).toBe(1)
        break
      }
      const again = await collect(wb.rows('Data'))
      expect(again[0]?.position).toBe(1)
      expect(again).toHaveLength(10)
    } finally {
      await wb.close()
    }
  })

  it('reads two sheets of one workbook at the same time', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      const data = wb.rows('Data')[Symbol.asyncIterator]()
      const dates = wb.rows('Dates')[Symbol.asyncIterator]()
      const pairs: [number, number][] = []
      for (let i = 0; i < 3; i++) {
        const [a, b] = await Promise.all([data.next(), dates.next()])
        pairs.push([a.value.position, b.value.position])
      }
      expect(pairs).toEqual([
        [1, 1],
        [2, 2],
        [3, 3],
      ])
      await data.return?.()
      await dates.return?.()
    } finally {
      await wb.close()
    }
  })

  it('finds sheets whatever the case of the name', async () => {
    const rows = await readSheet(path, 'data')
    expect(rowAt(rows, 1)).toEqual(['Name', 'Count', 'Flag', 'Error'])
  })

  it('names the sheet asked for and the sheets that exist when the sheet is unknown', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      const error = await collect(wb.rows('Nope')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DataWarpError)
      expect((error as DataWarpError).message).toBe(
        `no sheet named "Nope" in ${path}; its sheets are "Data", "Dates", "Secret", "Deeper"`,
      )
      expect((error as DataWarpError).where).toEqual({ file: path, sheet: 'Nope' })
      await expect(wb.merges('Nope')).rejects.toThrow(/no sheet named "Nope"/)
    } finally {
      await wb.close()
    }
  })

  it('refuses to read after close', async () => {
    const wb = await XlsxWorkbook.open(path)
    await wb.close()
    await expect(collect(wb.rows('Data'))).rejects.toThrow(/is closed/)
  })
})

describe('XlsxWorkbook with hand-written packages', () => {
  let path: string

  beforeAll(async () => {
    path = join(dir, 'hand.xlsx')
    const sharedStrings = [
      '<si><t>carriage_x000D_return</t></si>',
      '<si><r><t>漢字</t></r><r><rPr><b/></rPr><t xml:space="preserve"> kanji</t></r><rPh sb="0" eb="2"><t>カンジ</t></rPh></si>',
      '<si><t>literal _x005F_x000D_ stays</t></si>',
      '<si><t xml:space="preserve">  padded  </t></si>',
    ]
    const hand = worksheet(
      [
        // Rows and cells without r attributes follow on from the previous one.
        '<row><c t="inlineStr"><is><t>first</t></is></c><c><v>2</v></c></row>',
        '<row><c t="s"><v>0</v></c><c/><c t="s"><v>1</v></c></row>',
        '<row r="5"><c><v>5</v></c><c r="D5"><v>4</v></c><c><v>6</v></c></row>',
        '<row><c t="d"><v>2024-02-29T12:00:00</v></c><c t="b"><v>1</v></c><c t="e"><v>#REF!</v></c><c t="d"><v>2023-06-01</v></c></row>',
        '<row><c><f>1/0</f></c><c t="str"><f>A1</f></c></row>',
        '<row><c t="str"><f>A1</f><v>x_x000D_y</v></c><c t="s"><v>2</v></c><c t="s"><v>3</v></c></row>',
        '<row><c t="inlineStr"><is><t>bell\u0007 and tab\t</t></is></c><c t="inlineStr"><is><r><t>A</t></r><r><t>&amp;B</t></r></is></c></row>',
      ].join('\n'),
      '<mergeCells count="1"><mergeCell ref="B2:C3"/></mergeCells>',
    )
    const prefixed =
      `<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="${MAIN}"><x:sheetData>` +
      '<x:row r="1"><x:c r="A1" s="1"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>prefixed</x:t></x:is></x:c></x:row>' +
      '</x:sheetData><x:mergeCells><x:mergeCell ref="A3:A4"/></x:mergeCells></x:worksheet>'
    const styles =
      `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${MAIN}">` +
      '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellStyleXfs>' +
      '<cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0"/></cellXfs></styleSheet>'
    await writeZip(
      path,
      handWrittenPackage({
        sheets: [
          { name: 'Hand', xml: hand, absolute: true },
          { name: 'Chart', xml: `<chartsheet xmlns="${MAIN}"/>`, chart: true },
          { name: 'Prefixed', xml: prefixed, state: 'veryHidden' },
          {
            name: 'Broken',
            xml: worksheet('<row r="1"><c r="A1"><v>1</v></row>'),
          },
        ],
        sharedStrings,
        styles,
        workbookPr: '<workbookPr date1904="true"/>',
      }),
    )
  })

  it('resolves absolute and relative sheet targets and tells chartsheets apart', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      expect(wb.sheets.map(({ name, hidden, kind }) => ({ name, hidden, kind }))).toEqual([
        { name: 'Hand', hidden: false, kind: 'worksheet' },
        { name: 'Chart', hidden: false, kind: 'chartsheet' },
        { name: 'Prefixed', hidden: true, kind: 'worksheet' },
        { name: 'Broken', hidden: false, kind: 'worksheet' },
      ])
      expect(await collect(wb.rows('Chart'))).toEqual([])
      expect(await wb.merges('Chart')).toEqual([])
    } finally {
      await wb.close()
    }
  })

  it('places cells and rows that have no r attribute after the previous ones', async () => {
    const rows = await readSheet(path, 'Hand')
    expect(rows.map((row) => row.position)).toEqual([1, 2, 5, 6, 8, 9])
    expect(rowAt(rows, 1)).toEqual(['first', 2])
    expect(rowAt(rows, 5)).toEqual([5, null, null, 4, 6])
  })

  it('decodes _xHHHH_ escapes, but not an escaped underscore', async () => {
    const rows = await readSheet(path, 'Hand')
    expect(rowAt(rows, 2)).toEqual(['carriage\rreturn', null, '漢字 kanji'])
    expect(rowAt(rows, 8)).toEqual(['x\ry', 'literal _x000D_ stays', '  padded  '])
  })

  it('reads ISO dates, booleans and errors, and skips a formula cell without a cached value', async () => {
    const rows = await readSheet(path, 'Hand')
    expect(rowAt(rows, 6)).toEqual([
      new Date('2024-02-29T12:00:00Z'),
      true,
      '#REF!',
      new Date('2023-06-01T00:00:00Z'),
    ])
    expect(rowAt(rows, 7)).toBeUndefined()
  })

  it('keeps control characters that XML forbids, and decodes entities in inline rich text', async () => {
    const rows = await readSheet(path, 'Hand')
    expect(rowAt(rows, 9)).toEqual(['bell\u0007 and tab\t', 'A&B'])
  })

  it('reads elements with a namespace prefix, and date1904="true"', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      expect(await collect(wb.rows('Prefixed'))).toEqual([
        { position: 1, cells: [new Date('1904-01-01T00:00:00Z'), 'prefixed'] },
      ])
      expect(await wb.merges('Prefixed')).toEqual([{ top: 3, left: 1, bottom: 4, right: 1 }])
      expect(await wb.merges('Hand')).toEqual([{ top: 2, left: 2, bottom: 3, right: 3 }])
    } finally {
      await wb.close()
    }
  })

  it('reports malformed sheet XML with the file and the sheet', async () => {
    const wb = await XlsxWorkbook.open(path)
    try {
      const error = await collect(wb.rows('Broken')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DataWarpError)
      expect((error as DataWarpError).message).toMatch(
        new RegExp(
          `^malformed XML in sheet "Broken" of ${path.replace(/[.]/g, '\\.')}: .*sheet4\\.xml:\\d+:\\d+: `,
        ),
      )
      expect((error as DataWarpError).where).toEqual({ file: path, sheet: 'Broken' })
      // merges() skips the cells with a text search (merged ranges come after them): the fault is the rows' to report.
      expect(await wb.merges('Broken')).toEqual([])
    } finally {
      await wb.close()
    }
  })

  it('reports a shared string index past the end of the table with the cell', async () => {
    const badPath = join(dir, 'bad-index.xlsx')
    const xml = worksheet('<row r="3"><c r="B3" t="s"><v>7</v></c></row>')
    await writeZip(
      badPath,
      handWrittenPackage({ sheets: [{ name: 'S', xml }], sharedStrings: ['<si><t>only</t></si>'] }),
    )
    await expect(readSheet(badPath, 'S')).rejects.toThrow(
      /^sheet "S" of .*bad-index\.xlsx: cell B3 refers to shared string 7, but the workbook has 1$/,
    )
  })

  it('reports malformed XML in a workbook-level part when opening', async () => {
    const badPath = join(dir, 'bad-strings.xlsx')
    const parts = handWrittenPackage({
      sheets: [{ name: 'S', xml: worksheet('') }],
      sharedStrings: ['<si><t>open'],
    })
    await writeZip(badPath, parts)
    const error = await XlsxWorkbook.open(badPath).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).message).toMatch(
      /^malformed XML in xl\/sharedStrings\.xml of .*bad-strings\.xlsx: /,
    )
    expect((error as DataWarpError).where).toEqual({ file: badPath })
  })

  it('reports a corrupted sheet stream as an error naming the file and sheet', async () => {
    const goodPath = join(dir, 'to-corrupt.xlsx')
    const rows = Array.from(
      { length: 2000 },
      (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i * 7919}</v></c></row>`,
    )
    await writeZip(goodPath, handWrittenPackage({ sheets: [{ name: 'Big', xml: worksheet(rows.join('')) }] }))
    const bytes = await readFile(goodPath)
    const start = bytes.indexOf('xl/worksheets/sheet1.xml') + 100
    for (let i = start; i < start + 200; i++) bytes[i] = (bytes[i]! * 31 + 7) & 0xff
    const badPath = join(dir, 'corrupted.xlsx')
    await writeFile(badPath, bytes)
    const error = await readSheet(badPath, 'Big').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).message).toMatch(/sheet "Big" of .*corrupted\.xlsx: /)
    expect((error as DataWarpError).where).toEqual({ file: badPath, sheet: 'Big' })
  })

  it('reads multi-byte UTF-8 text from a large compressed sheet', async () => {
    const bigPath = join(dir, 'utf8.xlsx')
    const text = 'héllo €uro 😀 漢字 '.repeat(7)
    const rows: string[] = []
    for (let i = 1; i <= 3000; i++) {
      rows.push(
        `<row r="${i}"><c r="A${i}" t="inlineStr"><is><t>${i}${text}</t></is></c><c r="B${i}"><v>${i}</v></c></row>`,
      )
    }
    await writeZip(bigPath, handWrittenPackage({ sheets: [{ name: 'Big', xml: worksheet(rows.join('')) }] }))
    const read = await readSheet(bigPath, 'Big')
    expect(read).toHaveLength(3000)
    for (const [i, row] of read.entries()) {
      expect(row).toEqual({ position: i + 1, cells: [`${i + 1}${text}`, i + 1] })
    }
  })
})

describe('XlsxWorkbook.open on files that are not workbooks', () => {
  it('says a text file is not an XLSX workbook', async () => {
    const path = join(dir, 'not-a-workbook.xlsx')
    await writeFile(path, 'Name,Count\nalpha,1\n')
    const error = await XlsxWorkbook.open(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).message).toMatch(
      /^not an XLSX workbook: .*not-a-workbook\.xlsx is not a ZIP file/,
    )
    expect((error as DataWarpError).where).toEqual({ file: path })
  })

  it('recognises an HTML page saved with an .xlsx name', async () => {
    const path = join(dir, 'error-page.xlsx')
    await writeFile(path, '<!DOCTYPE html>\n<html><body>Not found</body></html>')
    await expect(XlsxWorkbook.open(path)).rejects.toThrow(/not an XLSX workbook: .* is an HTML page/)
  })

  it('recognises a legacy .xls (OLE2) file', async () => {
    const path = join(dir, 'legacy.xls')
    await writeFile(path, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]))
    await expect(XlsxWorkbook.open(path)).rejects.toThrow(/not an XLSX workbook: .* is an OLE2 compound file/)
  })

  it('says a ZIP without xl/workbook.xml is not an XLSX workbook', async () => {
    const path = join(dir, 'plain.zip')
    await writeZip(path, { 'data.csv': 'a,b\n1,2\n' })
    const error = await XlsxWorkbook.open(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DataWarpError)
    expect((error as DataWarpError).message).toMatch(
      /^not an XLSX workbook: .*plain\.zip .*without xl\/workbook\.xml/,
    )
    expect((error as DataWarpError).where).toEqual({ file: path })
  })

  it('says when the file does not exist', async () => {
    const path = join(dir, 'missing.xlsx')
    await expect(XlsxWorkbook.open(path)).rejects.toThrow(/cannot open workbook .*missing\.xlsx/)
  })
})

describe('reading past what carries no value', () => {
  it('empty styled cells are dropped before parsing, and every other cell keeps its column', async () => {
    const { withoutEmptyCells } = await import('./sheet.js')
    const row =
      '<row r="1"><c r="A1" s="3" t="s"><v>0</v></c><c r="B1" s="234"/><c r="C1" s="7"/><c r="D1"><v>5</v></c></row>'
    expect(withoutEmptyCells(row)).toBe(
      '<row r="1"><c r="A1" s="3" t="s"><v>0</v></c><c r="D1"><v>5</v></c></row>',
    )
    // Where a cell does not name its column first, nothing is dropped: its place depends on the cells before it.
    const unnamed = '<row><c r="A1" s="1"/><c><v>5</v></c></row>'
    expect(withoutEmptyCells(unnamed)).toBe(unnamed)
  })

  it('merged ranges are read after the cells, whatever the prefix and however the text is cut', async () => {
    const { withoutSheetData } = await import('./workbook.js')
    const xml =
      '<x:worksheet xmlns:x="m"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref="A1:B2"/></x:mergeCells></x:worksheet>'
    for (const size of [1, 7, 50, xml.length]) {
      const chunks = async function* () {
        for (let i = 0; i < xml.length; i += size) yield xml.slice(i, i + size)
      }
      let out = ''
      for await (const text of withoutSheetData(chunks())) out += text
      expect(out, `chunks of ${size}`).toBe(
        '<x:worksheet xmlns:x="m"><x:mergeCells><x:mergeCell ref="A1:B2"/></x:mergeCells></x:worksheet>',
      )
    }
    let selfClosing = ''
    for await (const text of withoutSheetData(
      (async function* () {
        yield '<worksheet><sheetData/><mergeCells/></worksheet>'
      })(),
    ))
      selfClosing += text
    expect(selfClosing).toBe('<worksheet><mergeCells/></worksheet>')
  })
})
