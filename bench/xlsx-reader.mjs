// Measures the streaming XLSX reader: rows/s and peak RSS while iterating every sheet's rows().
// Run by hand after `npx tsc -p tsconfig.build.json`:
//   node bench/xlsx-reader.mjs                 # generates (once) and reads a 200k-row × 12-column workbook
//   node bench/xlsx-reader.mjs a.xlsx b.xlsx   # reads the given workbooks instead
//   XLSX_BENCH_ROWS=1000000 node bench/xlsx-reader.mjs   # a bigger generated workbook
// Each file is read in a fresh child process so its peak RSS is the reader's alone.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROWS = Number(process.env.XLSX_BENCH_ROWS ?? 200_000)
const self = fileURLToPath(import.meta.url)

if (process.argv[2] === '--measure') {
  const { XlsxWorkbook } = await import('../build/extract/xlsx/workbook.js')
  const file = process.argv[3]
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const wb = await XlsxWorkbook.open(file)
  const opened = performance.now()
  let rows = 0
  let cells = 0
  for (const sheet of wb.sheets) {
    for await (const row of wb.rows(sheet.name)) {
      rows++
      cells += row.cells.length
    }
  }
  await wb.close()
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const result = {
    rows,
    cells,
    openMs: Math.round(opened - started),
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    // CPU time (main thread plus zlib's thread pool) is steadier than wall time on a busy machine.
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    rowsPerCpuSecond: Math.round(rows / cpuSeconds),
    peakRssMb: peakRssMb(),
  }
  process.stdout.write(JSON.stringify(result))
  process.exit(0)
}

/**
 * Linux's VmHWM is this process image's own high-water mark; getrusage's maxRSS survives execve, so a
 * child spawned by a big parent (one that just generated the workbook) would report the parent's peak.
 */
function peakRssMb() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]
    if (kb) return Math.round(Number(kb) / 1024)
  } catch {}
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

async function generate(path) {
  const { default: ExcelJS } = await import('exceljs')
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: true,
    useStyles: true,
  })
  const sheet = writer.addWorksheet('Data')
  sheet.columns = [
    { header: 'Org code', key: 'code' },
    { header: 'Org name', key: 'name' },
    { header: 'Row id', key: 'id' },
    { header: 'Period', key: 'period', style: { numFmt: 'dd/mm/yyyy' } },
    ...Array.from({ length: 8 }, (_, i) => ({ header: `Measure ${i + 1}`, key: `m${i}` })),
  ]
  const start = Date.UTC(2020, 0, 1)
  for (let i = 0; i < ROWS; i++) {
    const row = {
      code: `R${(i % 500).toString(36).toUpperCase().padStart(3, '0')}`,
      name: `NHS Trust number ${i % 500}`,
      id: `row-${i}`,
      period: new Date(start + (i % 1500) * 86_400_000),
    }
    for (let m = 0; m < 8; m++)
      row[`m${m}`] = m % 2 === 0 ? (i * (m + 1)) % 100_000 : ((i % 977) * (m + 0.5)) / 7
    sheet.addRow(row).commit()
  }
  sheet.commit()
  await writer.commit()
}

let files = process.argv.slice(2)
if (files.length === 0) {
  const dir = join(tmpdir(), 'datawarp-bench')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `xlsx-${ROWS / 1000}k-rows.xlsx`)
  if (!existsSync(path)) {
    console.log(`generating ${path} …`)
    await generate(path)
  }
  files = [path]
}

for (const file of files) {
  const out = execFileSync(process.execPath, [self, '--measure', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  const result = JSON.parse(out)
  const mb = (statSync(file).size / 1024 / 1024).toFixed(1)
  console.log(`${basename(file)} (${mb} MB):`, result)
}
