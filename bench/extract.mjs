// Extraction over the real NHS files in ../shared/corpus: for each file, every table found and every row of
// it read (header finding, merged cells, notes left out: the pipeline's extractFile), with rows/s and peak RSS.
//   npm run bench:extract                  # every file of the corpus (builds first)
//   node bench/extract.mjs a.xlsx b.csv    # the given files (after `npm run build`)
// Each file is read in a fresh child process so that its peak RSS is its own.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)
const corpus = fileURLToPath(new URL('../../shared/corpus', import.meta.url))
/** The ceiling the issue sets for any one file. */
const RSS_LIMIT_MB = 300

if (process.argv[2] === '--measure') {
  const { extractFile } = await import('../build/extract/index.js')
  const { defaultZipLimits, sniffFileKind, unpackZip } = await import('../build/fetch/index.js')
  const path = process.argv[3]
  const started = performance.now()
  const kind = await sniffFileKind(path, basename(path))
  let files = [{ path, fileName: basename(path), kind }]
  let work
  if (kind === 'zip') {
    work = mkdtempSync(join(tmpdir(), 'datawarp-bench-'))
    const zip = { url: path, path, fileName: basename(path), bytes: 0, sha256: '', kind }
    const { members } = await unpackZip(zip, work, defaultZipLimits(2 ** 31))
    files = members.map((m) => ({ path: m.path, fileName: m.name, kind: m.kind, zip: zip.fileName }))
  }
  let tables = 0
  let rows = 0
  let cells = 0
  for (const file of files) {
    const extracted = await extractFile(file)
    for (const table of extracted.tables) {
      tables++
      for await (const batch of table.batches()) {
        rows += batch.length
        for (const row of batch) cells += row.cells.length
      }
    }
  }
  if (work) rmSync(work, { recursive: true, force: true })
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(
    JSON.stringify({
      tables,
      rows,
      cells,
      seconds,
      rowsPerSecond: Math.round(rows / seconds),
      peakRssMb: peakRssMb(),
    }),
  )
  process.exit(0)
}

/** Linux's VmHWM is this process's own high-water mark (getrusage's maxRSS survives execve). */
function peakRssMb() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    if (kb) return Math.round(Number(kb) / 1024)
  } catch {}
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

function corpusFiles(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...corpusFiles(path))
    else if (/\.(csv|xlsx|ods|zip)$/i.test(entry.name)) out.push(path)
  }
  return out.sort()
}

const given = process.argv.slice(2)
if (given.length === 0 && !existsSync(corpus)) {
  console.error(`no corpus at ${corpus}; pass files to measure instead`)
  process.exit(2)
}
const files = given.length > 0 ? given : corpusFiles(corpus)
const name = (f) => (given.length > 0 ? f : relative(corpus, f))
const width = Math.min(70, Math.max(...files.map((f) => name(f).length)))
const pad = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n))
console.log(
  `${pad('file', width)}  ${'MB'.padStart(5)} ${'tables'.padStart(6)} ${'rows'.padStart(8)} ${'s'.padStart(6)} ${'rows/s'.padStart(9)} ${'peak RSS MB'.padStart(11)}`,
)
let over = 0
let totalRows = 0
let totalSeconds = 0
for (const file of files) {
  const out = execFileSync(process.execPath, [self, '--measure', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  const r = JSON.parse(out)
  totalRows += r.rows
  totalSeconds += r.seconds
  if (r.peakRssMb >= RSS_LIMIT_MB) over++
  const mb = (statSync(file).size / 1024 / 1024).toFixed(1)
  console.log(
    `${pad(name(file), width)}  ${mb.padStart(5)} ${String(r.tables).padStart(6)} ${String(r.rows).padStart(8)} ${r.seconds.toFixed(2).padStart(6)} ${String(r.rowsPerSecond).padStart(9)} ${String(r.peakRssMb).padStart(11)}`,
  )
}
console.log(
  `\n${files.length} files, ${totalRows.toLocaleString('en-GB')} rows in ${totalSeconds.toFixed(1)} s (${Math.round(totalRows / totalSeconds).toLocaleString('en-GB')} rows/s); ` +
    (over === 0
      ? `every file under ${RSS_LIMIT_MB} MB peak RSS`
      : `${over} file(s) at or over ${RSS_LIMIT_MB} MB peak RSS`),
)
process.exit(over === 0 ? 0 : 1)
