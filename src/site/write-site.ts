import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { SNAKE_CODE } from '../model/config.js'
import { SITE_CSS, siteScript } from './assets.js'
import type { SiteModel } from './model.js'
import { renderIndex, renderPublication, renderSource } from './pages.js'
import { buildSearchIndex, searchIndexScript } from './search-index.js'

/** A file in the site folder that says DataWarp wrote it, so regenerating may replace the folder. */
export const SITE_MARKER = '.datawarp-site'

/** `<publication>/<source_key>/<file>.parquet` (src/export/export-layout.ts): no `..`, nothing outside the folder. */
const PARQUET_FILE = /^[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*\/[A-Za-z0-9%_-]+\.parquet$/

export interface WriteSiteOptions {
  /** The folder to write; replaced as a whole when it holds an earlier site. */
  readonly outDir: string
  /** The Parquet exports the download links point at. */
  readonly exportsDir: string
  /**
   * Copy the Parquet files (and catalog.parquet, and datapackage.json when there is one) into `<outDir>/exports/`
   * (same folders), for publishing the site with them.
   */
  readonly includeExports?: boolean
}

export interface SiteWritten {
  readonly outDir: string
  readonly pages: number
  /** Bytes of the pages, styles and scripts. */
  readonly siteBytes: number
  /** Bytes of the Parquet files copied in (0 without includeExports). */
  readonly exportsBytes: number
}

/** Codes and keys become folder and file names: only snake_case ones, so none can point outside the site. */
function checkNames(model: SiteModel): void {
  for (const pub of model.publications) {
    if (!SNAKE_CODE.test(pub.code))
      throw new Error(`publication code ${JSON.stringify(pub.code)} is not snake_case`)
    for (const source of pub.sources) {
      if (!SNAKE_CODE.test(source.key)) {
        throw new Error(`source key ${JSON.stringify(source.key)} of ${pub.code} is not snake_case`)
      }
      for (const file of source.parquet?.files ?? []) {
        if (!PARQUET_FILE.test(file.path)) {
          throw new Error(
            `Parquet file ${JSON.stringify(file.path)} of ${pub.code}.${source.key} is not a file of a source folder`,
          )
        }
      }
    }
  }
}

/** The folder may be replaced when it is missing, empty, or an earlier site. */
function checkReplaceable(outDir: string): void {
  if (!existsSync(outDir)) return
  if (!statSync(outDir).isDirectory()) throw new Error(`${outDir} exists and is not a folder`)
  if (readdirSync(outDir).length > 0 && !existsSync(join(outDir, SITE_MARKER))) {
    throw new Error(`${outDir} holds files DataWarp did not write; choose another --out or empty it`)
  }
}

const toUrlPath = (path: string) => path.split(sep).map(encodeURIComponent).join('/')

/**
 * Writes the site into a fresh folder beside `outDir`, then puts it in place: a reader never sees half a site,
 * and pages of sources that are gone do not linger.
 */
export function writeSite(model: SiteModel, options: WriteSiteOptions): SiteWritten {
  checkNames(model)
  const outDir = resolve(options.outDir)
  const exportsDir = resolve(options.exportsDir)
  checkReplaceable(outDir)
  mkdirSync(dirname(outDir), { recursive: true })
  const staging = `${outDir}.tmp-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(join(staging, 'assets'), { recursive: true })
  let siteBytes = 0
  let pages = 0
  const write = (path: string, text: string) => {
    const full = join(staging, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, text)
    siteBytes += Buffer.byteLength(text)
    if (path.endsWith('.html')) pages++
  }
  try {
    let exportsBytes = 0
    let parquetBase = `${toUrlPath(relative(outDir, exportsDir))}/`
    if (options.includeExports) {
      parquetBase = 'exports/'
      mkdirSync(join(staging, 'exports'))
      const files = model.publications.flatMap((p) =>
        p.sources.flatMap((s) => (s.parquet ? s.parquet.files.map((f) => f.path) : [])),
      )
      for (const file of [...files, 'catalog.parquet']) {
        const from = join(exportsDir, ...file.split('/'))
        if (!existsSync(from)) throw new Error(`${from} is missing: run datawarp export first`)
        const to = join(staging, 'exports', ...file.split('/'))
        mkdirSync(dirname(to), { recursive: true })
        copyFileSync(from, to)
        exportsBytes += statSync(from).size
      }
      // Exports written before datapackage.json existed have none: the site is built without it.
      const dataPackage = join(exportsDir, 'datapackage.json')
      if (existsSync(dataPackage)) {
        copyFileSync(dataPackage, join(staging, 'exports', 'datapackage.json'))
        exportsBytes += statSync(dataPackage).size
      }
    }
    write(SITE_MARKER, `${model.generatedAt}\n`)
    write('assets/site.css', SITE_CSS)
    write('assets/site.js', siteScript())
    write('assets/search-index.js', searchIndexScript(buildSearchIndex(model)))
    write('index.html', renderIndex(model))
    for (const pub of model.publications) {
      write(join(pub.code, 'index.html'), renderPublication(model, pub))
      for (const source of pub.sources) {
        write(join(pub.code, `${source.key}.html`), renderSource(model, pub, source, { parquetBase }))
      }
    }
    rmSync(outDir, { recursive: true, force: true })
    renameSync(staging, outDir)
    return { outDir, pages, siteBytes, exportsBytes }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    throw error
  }
}
