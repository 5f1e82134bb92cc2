import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { TOKEN_VARIABLE } from '../../mcp/token-variable.js'
import type { Reader, ReadLimits } from '../../read/index.js'
import { DEFAULT_LIMITS } from '../../read/limits.js'
import { type Command, type CommonValues, databaseUrl } from '../command.js'

interface McpValues extends CommonValues {
  http: boolean
  host: string
  port: string
  exports?: string
  'reader-role'?: string
  'max-rows': string
  'max-bytes': string
  'timeout-ms': string
  'allow-origin'?: string[]
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

function whole(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(text)}`)
  return n
}

/** Resolves when the process is asked to stop (or, for stdio, when the client closes stdin). */
function stopped(stdio: boolean): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
    if (stdio) process.stdin.once('close', done)
  })
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'serve the catalog and the loaded data to MCP clients (stdio, or Streamable HTTP), read-only',
  help: `Usage: datawarp mcp [--http [--host <addr>] [--port <n>]] [--exports <dir>] [limits]

Serves four read-only tools (search_sources, describe_source, query, list_publications) and the catalog and
canonical manifests as resources, over stdio (default: for a local client) or Streamable HTTP at /mcp.
Queries run as a read-only role DataWarp creates (SELECT on the publication tables and catalog views only).

  --http                 Streamable HTTP instead of stdio
  --host <addr>          address to listen on (default: 127.0.0.1); any other needs $${TOKEN_VARIABLE}
  --port <n>             port (default: 8765; 0 picks a free one)
  --allow-origin <url>   a browser Origin to accept besides localhost ones (repeatable)
  --exports <dir>        no database: read the Parquet exports in <dir> (with its catalog.parquet) via DuckDB
  --reader-role <name>   the PostgreSQL role queries run as (default: datawarp_reader_<database>)
  --max-rows <n>         rows per query answer (default: ${DEFAULT_LIMITS.maxRows})
  --max-bytes <n>        bytes of JSON rows per answer (default: ${DEFAULT_LIMITS.maxBytes})
  --timeout-ms <n>       milliseconds a statement may run (default: ${DEFAULT_LIMITS.timeoutMs})

With $${TOKEN_VARIABLE} set, HTTP clients must send it as "Authorization: Bearer <token>".`,
  options: {
    http: { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8765' },
    'allow-origin': { type: 'string', multiple: true },
    exports: { type: 'string' },
    'reader-role': { type: 'string' },
    'max-rows': { type: 'string', default: String(DEFAULT_LIMITS.maxRows) },
    'max-bytes': { type: 'string', default: String(DEFAULT_LIMITS.maxBytes) },
    'timeout-ms': { type: 'string', default: String(DEFAULT_LIMITS.timeoutMs) },
  },
  async run(raw) {
    const values = raw as unknown as McpValues
    const limits: ReadLimits = {
      maxRows: whole('max-rows', values['max-rows']),
      maxBytes: whole('max-bytes', values['max-bytes']),
      timeoutMs: whole('timeout-ms', values['timeout-ms']),
    }
    // Loaded here, not at the top: the MCP SDK and DuckDB would otherwise load for every command.
    const [
      { StdioServerTransport },
      { openDatabase },
      { createMcpServer, listeningUrl, serveHttp },
      read,
      layout,
    ] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('../../db/index.js'),
      import('../../mcp/index.js'),
      import('../../read/index.js'),
      import('../../model/layout.js'),
    ])
    const { openExportsReader, openPostgresReader } = read
    const paths = layout.projectPaths(values.root)
    let reader: Reader
    let closeDatabase = async () => {}
    if (values.exports !== undefined) {
      reader = await openExportsReader(resolve(values.exports), { root: paths.root, limits })
    } else {
      const db = await openDatabase({
        databaseUrl: databaseUrl(values),
        embeddedDir: paths.database,
      })
      closeDatabase = () => db.close()
      try {
        reader = await openPostgresReader({
          adminPool: db.pool,
          root: paths.root,
          limits,
          readerRole: values['reader-role'],
        })
      } catch (error) {
        await db.close()
        throw error
      }
    }
    const source = values.exports !== undefined ? `the exports in ${resolve(values.exports)}` : 'the database'
    try {
      if (values.http) {
        const http = await serveHttp(() => createMcpServer(reader, VERSION), {
          host: values.host,
          port: whole('port', values.port),
          token: process.env[TOKEN_VARIABLE] || undefined,
          allowedOrigins: values['allow-origin'] ?? [],
        })
        process.stderr.write(`datawarp mcp: serving ${source} at ${listeningUrl(http)}\n`)
        await stopped(false)
        await new Promise((done) => http.close(done))
      } else {
        const server = createMcpServer(reader, VERSION)
        await server.connect(new StdioServerTransport())
        process.stderr.write(`datawarp mcp: serving ${source} on stdio\n`)
        await stopped(true)
        await server.close()
      }
    } finally {
      await reader.close()
      await closeDatabase()
    }
    return 0
  },
}
