import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import {
  descriptionSourceLabel,
  QueryRefusedError,
  type QueryResult,
  type Reader,
  UnknownSourceError,
} from '../read/index.js'
import {
  PublicationsSchema,
  QueryResultSchema,
  SearchResultSchema,
  SourceDescriptionSchema,
} from './schemas.js'

export const CATALOG_URI = 'datawarp://catalog'
export const MANIFEST_URI = 'datawarp://manifests/{publication}'

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }

/** A tool's answer: the structured result, and the same as text for clients that only show text. */
function answer(structured: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured }
}

/** Where a description came from, after it: " (from the publication)". */
const sourceNote = (source: string | null) => (source ? ` (${descriptionSourceLabel(source)})` : '')

/** A refused query or an unknown source is the caller's to fix: an error result, not a protocol error. */
async function guarded(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof QueryRefusedError || error instanceof UnknownSourceError) {
      return { isError: true, content: [{ type: 'text', text: error.message }] }
    }
    throw error
  }
}

/** Rows as tab-separated lines under the column names, and a line saying whether more rows exist. */
export function resultText(result: QueryResult): string {
  const lines = [result.columns.map((c) => c.name).join('\t')]
  for (const row of result.rows) lines.push(row.map((v) => (v === null ? '' : String(v))).join('\t'))
  lines.push(
    result.truncated
      ? `-- ${result.rowCount} of ${result.totalRows} rows (from row ${result.offset}; cut by the ${result.truncatedBy} limit); pass nextCursor for more: ${result.nextCursor}`
      : `-- ${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${result.offset ? ` from row ${result.offset}` : ''}, complete`,
  )
  return lines.join('\n')
}

/** The MCP face of a reader: four read-only tools and two kinds of resources. It only adapts. */
export function createMcpServer(reader: Reader, version: string): McpServer {
  const server = new McpServer(
    { name: 'datawarp', version },
    {
      instructions: `DataWarp: NHS England statistical publications loaded as tables (${reader.backend} backend). Find sources with search_sources, read one with describe_source (columns, periods, the table to query), then ask with query (one read-only SQL statement; results are paged and never silently cut). list_publications gives every publication with its periods and load times.`,
    },
  )
  const limits = reader.limits

  server.registerTool(
    'search_sources',
    {
      title: 'Search the catalog',
      description:
        'Free text over publication and source names, titles, descriptions and column titles; best first. Returns source codes with one line each.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .max(500)
          .describe('Words to look for, e.g. "online consultation submissions"'),
        limit: z.number().int().min(1).max(100).optional().describe('At most this many hits (default 20)'),
      },
      outputSchema: SearchResultSchema.shape,
      annotations: READ_ONLY,
    },
    async ({ query, limit }) => {
      const hits = await reader.search(query, limit)
      const text = hits.length
        ? hits.map((h) => `${h.sourceCode}: ${h.line}`).join('\n')
        : 'No source matches.'
      return answer({ hits }, text)
    },
  )

  server.registerTool(
    'describe_source',
    {
      title: 'Describe a source',
      description:
        'One source: the table to query, its columns (name, title, type, unit, role, description and where it came from, first/last period), the periods loaded with row counts, its folder of Parquet files (one per period, relative to the exports folder), its canonical manifest entry and sample rows.',
      inputSchema: { source: z.string().min(1).max(200).describe('A source code from search_sources') },
      outputSchema: SourceDescriptionSchema.shape,
      annotations: READ_ONLY,
    },
    ({ source }) =>
      guarded(async () => {
        const d = await reader.describe(source)
        const text = [
          `${d.sourceCode}: ${d.title ?? d.sourceKey} (${d.publicationName})`,
          d.description ? `${d.description}${sourceNote(d.descriptionSource)}` : '',
          `Query it as ${d.table}; ${d.rowCount} rows, periods ${d.periods.map((p) => `${p.period} (${p.rows})`).join(', ')}`,
          'Columns:',
          ...d.columns.map(
            (c) =>
              `  ${c.name} ${c.type}${c.unit ? ` [${c.unit}]` : ''}${c.role ? ` ${c.role}` : ''}: ${c.title}${c.description ? ` — ${c.description}${sourceNote(c.descriptionSource)}` : ''}`,
          ),
          '  _period, _load_id, _source_file, _loaded_at: lineage (the period, the load, the file, when)',
          'Sample:',
          resultText(d.sample),
        ]
        return answer({ ...d }, text.filter((l) => l !== '').join('\n'))
      }),
  )

  server.registerTool(
    'query',
    {
      title: 'Run one read-only SQL query',
      description: `One read-only statement (SELECT, WITH … SELECT, VALUES) in PostgreSQL SQL${reader.backend === 'parquet' ? ' (run by DuckDB over the Parquet exports; table names as in describe_source)' : ''}. At most ${limits.maxRows} rows and ${limits.maxBytes} bytes per call, ${limits.timeoutMs} ms per statement. A cut result says so (truncated, totalRows) and gives nextCursor for the next page; order rows (ORDER BY) to page reliably.`,
      inputSchema: {
        sql: z.string().min(1).max(100_000).describe('One read-only SQL statement'),
        max_rows: z.number().int().min(1).optional().describe(`Rows per page (at most ${limits.maxRows})`),
        offset: z.number().int().min(0).optional().describe('Rows to skip'),
        cursor: z.string().max(200).optional().describe('nextCursor from the previous page of the same sql'),
      },
      outputSchema: QueryResultSchema.shape,
      annotations: READ_ONLY,
    },
    ({ sql, max_rows, offset, cursor }) =>
      guarded(async () => {
        const result = await reader.query({ sql, maxRows: max_rows, offset, cursor })
        return answer({ ...result }, resultText(result))
      }),
  )

  server.registerTool(
    'list_publications',
    {
      title: 'List publications and periods',
      description:
        'Every publication: its sources and the periods loaded, with rows and when each period was loaded.',
      inputSchema: {},
      outputSchema: PublicationsSchema.shape,
      annotations: READ_ONLY,
    },
    async () => {
      const publications = await reader.publications()
      const text = publications
        .map(
          (p) =>
            `${p.code} (${p.name}): ${p.sources.length} source(s); ${p.periods.map((x) => `${x.period} loaded ${x.loadedAt ?? '?'}`).join(', ')}`,
        )
        .join('\n')
      return answer({ backend: reader.backend, publications }, text || 'Nothing loaded yet.')
    },
  )

  server.registerResource(
    'catalog',
    CATALOG_URI,
    {
      title: 'The catalog',
      description: 'Every source: table, columns, periods, rows',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(await reader.catalog(), null, 2),
        },
      ],
    }),
  )

  server.registerResource(
    'manifest',
    new ResourceTemplate(MANIFEST_URI, {
      list: async () => ({
        resources: (await reader.publications()).map((p) => ({
          uri: `datawarp://manifests/${p.code}`,
          name: `${p.code} canonical manifest`,
          mimeType: 'text/yaml',
        })),
      }),
    }),
    {
      title: 'Canonical manifest',
      description: 'A publication’s canonical manifest (YAML)',
      mimeType: 'text/yaml',
    },
    async (uri, { publication }) => {
      const code = String(publication)
      const text = await reader.manifest(code)
      if (text === null) throw new Error(`no canonical manifest for ${JSON.stringify(code)} at hand`)
      return { contents: [{ uri: uri.href, mimeType: 'text/yaml', text }] }
    },
  )
  return server
}
