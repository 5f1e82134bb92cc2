// A real-shaped benchmark file: the MHSDS 4-week-waits monthly CSVs of ../shared/corpus/mhsds_monthly, their
// records repeated (in order, file after file) until the file holds the rows asked for. 11 columns, dd/mm/yyyy
// dates, long measure names, ~60% of MEASURE_VALUE the '*' suppression marker, about 200 bytes a row.
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const MHSDS_CORPUS = new URL('../../shared/corpus/mhsds_monthly/', import.meta.url).pathname

/** The corpus files the real-shaped file is built from; empty when the corpus is absent. */
export function mhsdsCorpusFiles() {
  if (!existsSync(MHSDS_CORPUS)) return []
  return readdirSync(MHSDS_CORPUS)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => join(MHSDS_CORPUS, f))
}

/** Writes `rows` records (plus the header) of the corpus files, repeated, to `path`. */
export async function writeMhsdsFile(path, rows) {
  const files = mhsdsCorpusFiles()
  if (files.length === 0) throw new Error(`no MHSDS corpus files in ${MHSDS_CORPUS}`)
  // Each corpus file is 4 MB: holding their record lines is fine; the output is streamed.
  const parts = files.map((f) =>
    readFileSync(f, 'utf8')
      .replace(/^\uFEFF/, '')
      .split('\n'),
  )
  const header = parts[0][0]
  for (const p of parts) if (p[0] !== header) throw new Error('the MHSDS corpus files have different headers')
  const bodies = parts.map((p) => p.slice(1).filter((l) => l !== ''))
  const out = createWriteStream(path)
  out.write(`${header}\n`)
  let written = 0
  while (written < rows) {
    for (const body of bodies) {
      const take = Math.min(body.length, rows - written)
      const text = `${body.slice(0, take).join('\n')}\n`
      if (!out.write(text)) await new Promise((r) => out.once('drain', r))
      written += take
      if (written >= rows) break
    }
  }
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())))
  return path
}
