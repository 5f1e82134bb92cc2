import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SNAKE_CODE } from '../model/config.js'

/**
 * Where the exports live inside the exports folder: one folder per source, `<publication>/<source_key>/`, holding
 * one Parquet file per period, `<period>.parquet` (a source without rows: `empty_source.parquet`, the schema and no
 * rows, so the folder still reads as a table). A run rewrites only the files of the periods it changed.
 *
 * The folders are deliberately not hive-style (`period=2024-03/`): DuckDB detects hive folders by itself and adds
 * a partition column whose type it guesses from the folder names (BIGINT for yearly periods), and a folder named
 * after the in-file `_period` column overrides that column with the guessed type. With plain file names, every
 * reader sees exactly the database's columns, `_period` included, from inside the files.
 */

export const EMPTY_SOURCE_FILE = 'empty_source.parquet'
/** The Frictionless Data Package beside the catalog, describing every file. */
export const DATAPACKAGE_FILE = 'datapackage.json'
const PARQUET = '.parquet'

/** A period as a file name: letters, digits and `-` as they are, any other byte as `%XX` (so no `.`, `/` or `_`). */
export function periodFileName(period: string): string {
  // Its file would be `.parquet`, which readers such as pyarrow skip as hidden.
  if (period === '')
    throw new Error('a period is empty text: its rows cannot be exported to a file of their own')
  let name = ''
  for (const byte of Buffer.from(period, 'utf8')) {
    const c = String.fromCharCode(byte)
    name += /[A-Za-z0-9-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return `${name}${PARQUET}`
}

/** The source's folder, relative to the exports folder, with `/` separators: `gp_appointments/coverage`. */
export function sourceFolder(publication: string, sourceKey: string): string {
  for (const part of [publication, sourceKey]) {
    if (!SNAKE_CODE.test(part)) throw new Error(`${JSON.stringify(part)} is not a snake_case code`)
  }
  return `${publication}/${sourceKey}`
}

/** The file of the source written before the per-period layout: `<publication>__<source_key>.parquet`. */
export function singleFileName(publication: string, sourceKey: string): string {
  return `${publication}__${sourceKey}${PARQUET}`
}

/** One Parquet file of an exported source. */
export interface ExportedFile {
  /** The period it holds; null for the file of a source without rows. */
  readonly period: string | null
  /** Relative to the exports folder, `/` separators: `gp_appointments/coverage/2024-03.parquet`. */
  readonly path: string
  readonly bytes: number
}

/**
 * The Parquet files of a source as they are on disk, in period order: what a reader of
 * `<exportsDir>/<publication>/<source_key>/*.parquet` reads. Empty when the source has no folder. `sourceCode` is
 * `<publication>__<source_key>`. Temporary files of an export in progress are not listed.
 */
export function exportedFilesOf(exportsDir: string, sourceCode: string): ExportedFile[] {
  const separator = sourceCode.indexOf('__')
  if (separator === -1) throw new Error(`${JSON.stringify(sourceCode)} is not <publication>__<source_key>`)
  const folder = sourceFolder(sourceCode.slice(0, separator), sourceCode.slice(separator + 2))
  const dir = join(exportsDir, ...folder.split('/'))
  if (!existsSync(dir)) return []
  const files: ExportedFile[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(PARQUET)) continue
    const period = entry.name === EMPTY_SOURCE_FILE ? null : periodOfFileName(entry.name)
    if (period === undefined) continue
    files.push({ period, path: `${folder}/${entry.name}`, bytes: statSync(join(dir, entry.name)).size })
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The period a file name stands for, or undefined when it is not one periodFileName writes. */
export function periodOfFileName(name: string): string | undefined {
  if (!name.endsWith(PARQUET)) return undefined
  const stem = name.slice(0, -PARQUET.length)
  if (!/^(?:[A-Za-z0-9-]|%[0-9A-F]{2})+$/.test(stem)) return undefined
  try {
    const period = decodeURIComponent(stem)
    return periodFileName(period) === name ? period : undefined
  } catch {
    return undefined
  }
}

/** A file of an exports folder's layout: at its top, or in a source folder `<publication>/<source_key>/`. */
export interface ExportFolderFile {
  readonly path: string
  /** Relative to the exports folder, `/` separators. */
  readonly relativePath: string
  readonly name: string
  readonly inSourceFolder: boolean
}

/**
 * The files an export may have written, in directory order: those at the top of the exports folder, and those of
 * each source folder `<publication>/<source_key>/`. Nothing else is looked at: folders not named as codes, deeper
 * folders, symbolic links.
 */
export function* exportFolderFiles(exportsDir: string): Generator<ExportFolderFile> {
  for (const entry of readdirSync(exportsDir, { withFileTypes: true })) {
    if (entry.isFile()) {
      yield {
        path: join(exportsDir, entry.name),
        relativePath: entry.name,
        name: entry.name,
        inSourceFolder: false,
      }
    }
    if (!entry.isDirectory() || !SNAKE_CODE.test(entry.name)) continue
    for (const source of readdirSync(join(exportsDir, entry.name), { withFileTypes: true })) {
      if (!source.isDirectory() || !SNAKE_CODE.test(source.name)) continue
      const folder = join(exportsDir, entry.name, source.name)
      for (const file of readdirSync(folder, { withFileTypes: true })) {
        if (!file.isFile()) continue
        yield {
          path: join(folder, file.name),
          relativePath: `${entry.name}/${source.name}/${file.name}`,
          name: file.name,
          inSourceFolder: true,
        }
      }
    }
  }
}

/**
 * Every file of an exports folder, absolute paths, sorted: the `*.parquet` files at the top (the catalog),
 * datapackage.json, and the Parquet files of each source folder. Temporary files and other folders are left out.
 */
export function exportFilesUnder(exportsDir: string): string[] {
  if (!existsSync(exportsDir)) return []
  return [...exportFolderFiles(exportsDir)]
    .filter((f) => f.name.endsWith(PARQUET) || (!f.inSourceFolder && f.name === DATAPACKAGE_FILE))
    .map((f) => f.path)
    .sort()
}
