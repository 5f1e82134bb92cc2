import { relative, resolve } from 'node:path'
import { loadConfig } from '../../config/index.js'
import { exportedFilesOf } from '../../export/index.js'
import { projectPaths } from '../../model/layout.js'
import type { Reader } from '../../read/index.js'
import type { Command, CommonValues } from '../command.js'
import { withDatabase } from '../database.js'

interface SiteValues extends CommonValues {
  out: string
  exports: boolean
  'include-exports': boolean
  repository?: string
  pages: boolean
}

export const siteCommand: Command = {
  name: 'site',
  summary: 'write the static catalog site (publications, sources, columns) to data/site/',
  help: `Usage: datawarp site [--out data/site] [--exports] [--include-exports] [--repository owner/name] [--pages]

  --out <dir>            the folder to write, replaced as a whole (default: data/site)
  --exports              read data/exports/ (Parquet files and catalog.parquet) instead of the database
  --include-exports      copy the Parquet files into <out>/exports/, to publish them with the site
  --repository <r>       owner/name: link each publication's review pull requests (default: $GITHUB_REPOSITORY)
  --pages                for the workflow: write the site only when settings.site.publish is true in the
                         config, with the exports when settings.site.include_exports is

Open <out>/index.html in a browser, or serve the folder from any path. See docs/site.md.`,
  options: {
    out: { type: 'string', default: 'data/site' },
    exports: { type: 'boolean', default: false },
    'include-exports': { type: 'boolean', default: false },
    repository: { type: 'string' },
    pages: { type: 'boolean', default: false },
  },
  async run(raw) {
    // Loaded here, not at the top: DuckDB (the exports reader) would otherwise load for every command.
    const [{ openExportsReader, openPostgresReader }, { buildSiteModel, writeSite }] = await Promise.all([
      import('../../read/index.js'),
      import('../../site/index.js'),
    ])
    const values = raw as unknown as SiteValues
    const paths = projectPaths(values.root)
    let includeExports = values['include-exports']
    if (values.pages) {
      const { site } = loadConfig(resolve(paths.root, values.config)).settings
      if (!site.publish) {
        process.stdout.write('settings.site.publish is false in the config: no site written\n')
        return 0
      }
      includeExports ||= site.include_exports
    }
    const repository = values.repository ?? process.env.GITHUB_REPOSITORY
    if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
      process.stderr.write(`--repository ${JSON.stringify(repository)} is not owner/name\n`)
      return 2
    }
    const build = async (reader: Reader) => {
      try {
        const model = await buildSiteModel(reader, {
          ...(repository ? { repository } : {}),
          parquetFiles: (sourceCode) => exportedFilesOf(paths.exports, sourceCode),
        })
        return writeSite(model, {
          outDir: resolve(paths.root, values.out),
          exportsDir: paths.exports,
          includeExports,
        })
      } finally {
        await reader.close()
      }
    }
    const written = values.exports
      ? await build(await openExportsReader(paths.exports, { root: paths.root }))
      : await withDatabase(values, async (db) =>
          build(await openPostgresReader({ adminPool: db.pool, root: paths.root })),
        )
    if (values.json) {
      process.stdout.write(`${JSON.stringify(written, null, 2)}\n`)
      return 0
    }
    const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-GB')} KB`
    const exported = written.exportsBytes > 0 ? `, with ${kb(written.exportsBytes)} of Parquet exports` : ''
    const where = relative(process.cwd(), written.outDir) || '.'
    process.stdout.write(
      `site: ${where}/index.html (${written.pages} pages, ${kb(written.siteBytes)}${exported})\n`,
    )
    return 0
  },
}
