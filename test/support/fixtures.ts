import { createWriteStream, writeFileSync } from 'node:fs'
import ExcelJS from 'exceljs'
import yazl from 'yazl'

type Cell = string | number | Date | null

const csvCell = (v: Cell) => {
  if (v === null) return ''
  const text = v instanceof Date ? v.toISOString().slice(0, 10) : String(v)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function writeCsv(path: string, header: string[], rows: Cell[][]): void {
  writeFileSync(path, `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`)
}

/** A practice-level CSV shaped like NHS England's: codes, names, counts with suppression, a rate, a month. */
export function practiceRows(count: number, seed = 1): Cell[][] {
  return Array.from({ length: count }, (_, i) => [
    `P${String(i + seed).padStart(5, '0')}`,
    `Practice ${i + seed}, Town`,
    i % 17 === 0 ? '*' : (i * 37 + seed) % 5000,
    ((i * 13 + seed) % 1000) / 7,
    `01/${String((i % 12) + 1).padStart(2, '0')}/2024`,
  ])
}
export const PRACTICE_HEADER = [
  'Practice Code',
  'Practice Name',
  'Registered Patients',
  'Rate per 1,000 [1]',
  'Month',
]

export interface SheetSpec {
  name: string
  titleRows?: string[]
  header: string[]
  rows: Cell[][]
  footnotes?: string[]
  hidden?: boolean
}

/** A workbook like an NHS release: a contents sheet, data sheets with titles above and notes below. */
export async function writeWorkbook(path: string, sheets: SheetSpec[]): Promise<void> {
  const wb = new ExcelJS.Workbook()
  const contents = wb.addWorksheet('Contents')
  contents.addRow(['Contents'])
  for (const s of sheets) contents.addRow([s.name])
  for (const spec of sheets) {
    const ws = wb.addWorksheet(spec.name, spec.hidden ? { state: 'hidden' } : {})
    for (const title of spec.titleRows ?? []) ws.addRow([title])
    if (spec.titleRows?.length) ws.addRow([])
    ws.addRow(spec.header)
    for (const row of spec.rows) ws.addRow(row)
    if (spec.footnotes?.length) ws.addRow([])
    for (const note of spec.footnotes ?? []) ws.addRow([note])
  }
  await wb.xlsx.writeFile(path)
}

export function writeZip(path: string, members: { name: string; data: string | Buffer }[]): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const m of members) zip.addBuffer(Buffer.from(m.data), m.name)
  zip.end()
  return new Promise((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(path)).on('close', resolve).on('error', reject)
  })
}
