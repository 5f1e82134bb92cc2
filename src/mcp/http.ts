import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'

import { TOKEN_VARIABLE } from './token-variable.js'

export { TOKEN_VARIABLE }
export const MCP_PATH = '/mcp'
const MAX_BODY_BYTES = 1_048_576
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export interface HttpOptions {
  readonly host: string
  readonly port: number
  /** Required when `host` is not loopback; checked whenever set. */
  readonly token?: string
  /** Browser origins allowed besides the loopback ones (`http://localhost:*`, `http://127.0.0.1:*`). */
  readonly allowedOrigins: readonly string[]
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.')
}

/** Why a request is refused before it reaches MCP: status and message, or undefined when it may pass. */
export function refuseRequest(
  req: Pick<IncomingMessage, 'headers' | 'url'>,
  options: HttpOptions,
): [number, string] | undefined {
  if (new URL(req.url ?? '/', 'http://x').pathname !== MCP_PATH)
    return [404, `not found: the endpoint is ${MCP_PATH}`]
  const origin = req.headers.origin
  if (origin !== undefined) {
    let loopbackOrigin = false
    try {
      loopbackOrigin = isLoopback(new URL(origin).hostname.replace(/^\[|\]$/g, ''))
    } catch {}
    if (!loopbackOrigin && !options.allowedOrigins.includes(origin)) {
      return [403, `origin ${origin} is not allowed (--allow-origin adds one)`]
    }
  }
  if (isLoopback(options.host)) {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own name as Host.
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
    if (!isLoopback(host)) return [403, `host ${req.headers.host} is not this server`]
  }
  if (options.token !== undefined) {
    const sent = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
    const a = Buffer.from(sent)
    const b = Buffer.from(options.token)
    if (a.length !== b.length || !timingSafeEqual(a, b))
      return [401, `a bearer token (${TOKEN_VARIABLE}) is required`]
  }
  return undefined
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        reject(new Error('request body is not JSON'))
      }
    })
    req.on('error', reject)
  })
}

function reply(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

/**
 * Streamable HTTP, stateless: each POST gets a fresh MCP server and transport over the shared reader, so
 * clients need no session and a restart loses nothing. Refuses a non-loopback bind without a token.
 */
export async function serveHttp(newServer: () => McpServer, options: HttpOptions): Promise<Server> {
  if (!isLoopback(options.host) && !options.token) {
    throw new Error(
      `listening on ${options.host} (not loopback) needs a bearer token: set ${TOKEN_VARIABLE} to a long random secret`,
    )
  }
  const http = createServer(async (req, res) => {
    const refused = refuseRequest(req, options)
    if (refused) return reply(res, ...refused)
    if (req.method !== 'POST')
      return reply(res, 405, 'this server is stateless: POST JSON-RPC messages to /mcp')
    let body: unknown
    try {
      body = await readBody(req)
    } catch (error) {
      return reply(res, 400, (error as Error).message)
    }
    const server = newServer()
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    try {
      await server.connect(transport)
      await transport.handleRequest(req, res, body)
    } catch (error) {
      if (!res.headersSent) reply(res, 500, (error as Error).message)
    }
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port, options.host, resolve)
  })
  return http
}

export function listeningUrl(http: Server): string {
  const address = http.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}${MCP_PATH}`
}
