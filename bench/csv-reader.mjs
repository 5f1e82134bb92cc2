// Throughput of the streaming CSV reader: records/s and peak RSS over a generated 1M-row, 10-column CSV.
// Build first (npx tsc -p tsconfig.build.json), then: node bench/csv-reader.mjs [plain|quoted|cp1252] [rows]
// With no variant it runs each variant in a fresh process, so each peak RSS is its own, and deletes the
// generated files afterwards; a named variant keeps its file in os.tmpdir() for the next run.
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { detectCsvFormat, readCsvRecords } from '../build/extract/csv/reader.js'

const VARIANTS = ['plain', 'quoted', 'cp1252']
const variant = process.argv[2]
const rows = Number(process.argv[3] ?? 1_000_000)

/** 10 short columns. `quoted`: every 10th row has a quoted field holding a comma, an escaped quote or a line break. */
function line(i, kind) {
  const region = kind === 'cp1252' && i % 1000 === 0 ? 'North East \u2013 Yorkshire' : 'North East'
  let name = `Practice ${i % 977}`
  if (kind === 'quoted' && i % 10 === 0) {
    name =
      i % 30 === 0 ? `"Practice ${i}, Leeds"` : i % 20 === 0 ? `"The ""Old"" Surgery"` : `"Unit 4\nHigh St"`
  }
  return `Y${String(i % 99999).padStart(5, '0')},E${i % 1000},${region},${name},2024-0${(i % 9) + 1}-01,${i % 5 === 0 ? '' : i % 250},${(i * 7) % 10007},${(i % 100) / 4},GMS,${i}\r\n`
}

function filePath(kind) {
  return join(tmpdir(), `datawarp-bench-csv-${kind}-${rows}.csv`)
}

async function generate(kind) {
  const path = filePath(kind)
  if (existsSync(path)) return path
  const out = createWriteStream(`${path}.tmp`, { encoding: kind === 'cp1252' ? 'latin1' : 'utf8' })
  const write = (text) => (out.write(text) ? undefined : new Promise((resolve) => out.once('drain', resolve)))
  // latin1 writes each UTF-16 unit's low byte: map the en dash to its Windows-1252 byte by hand.
  const encode = kind === 'cp1252' ? (text) => text.replaceAll('\u2013', '\u0096') : (text) => text
  await write('code,ons_code,region,name,month,patients,value,rate,contract,id\r\n')
  let batch = ''
  for (let i = 1; i <= rows; i++) {
    batch += line(i, kind)
    if (i % 10_000 === 0) {
      await write(encode(batch))
      batch = ''
    }
  }
  await write(encode(batch))
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())))
  renameSync(`${path}.tmp`, path)
  return path
}

async function measure(kind) {
  const path = filePath(kind)
  const format = await detectCsvFormat(path)
  const started = process.hrtime.bigint()
  let records = 0
  let cells = 0
  for await (const record of readCsvRecords(path, format)) {
    records++
    cells += record.cells.length
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const detectStarted = process.hrtime.bigint()
  await detectCsvFormat(path)
  const detectSeconds = Number(process.hrtime.bigint() - detectStarted) / 1e9
  const mb = statSync(path).size / 1e6
  const peakMb = process.resourceUsage().maxRSS / 1024
  console.log(
    `${kind.padEnd(7)} ${format.encoding.padEnd(12)} ${records} records (${cells} cells, ${mb.toFixed(0)} MB) ` +
      `in ${seconds.toFixed(2)} s: ${Math.round(records / seconds).toLocaleString('en-GB')} records/s, ` +
      `${(mb / seconds).toFixed(0)} MB/s; detectCsvFormat ${(detectSeconds * 1000).toFixed(0)} ms; peak RSS ${peakMb.toFixed(0)} MB`,
  )
}

if (variant) {
  if (!VARIANTS.includes(variant))
    throw new Error(`unknown variant ${variant}; one of ${VARIANTS.join(', ')}`)
  await generate(variant)
  await measure(variant)
} else {
  for (const kind of VARIANTS) {
    await generate(kind)
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), kind, String(rows)], {
      stdio: 'inherit',
    })
    rmSync(filePath(kind), { force: true })
    if (run.status !== 0) process.exit(run.status ?? 1)
  }
}
