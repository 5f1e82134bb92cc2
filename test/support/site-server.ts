import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the server saw it. */
export interface SeenRequest {
  readonly path: string
  readonly host: string
  readonly headers: IncomingHttpHeaders
  readonly status: number
  /** Body bytes sent. */
  readonly bytes: number
}

interface Resource {
  body: Buffer
  type: string
  etag: string
  lastModified: string
}

/**
 * A local web site standing in for digital.nhs.uk / files.digital.nhs.uk / www.england.nhs.uk: pages and files
 * by path (changeable while running), each with an ETag and Last-Modified, answering conditional requests with
 * 304 as those servers do. Every request is recorded with its headers, status and bytes sent.
 */
export class SiteServer {
  readonly requests: SeenRequest[] = []
  private readonly resources = new Map<string, Resource>()
  private server?: Server
  private version = 0
  url = ''

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const resource = this.resources.get(decodeURIComponent(path))
      const record = (status: number, bytes: number) =>
        this.requests.push({ path, host: req.headers.host ?? '', headers: req.headers, status, bytes })
      if (!resource) {
        record(404, 0)
        res.writeHead(404, { 'content-type': 'text/plain' }).end()
        return
      }
      const validators = { etag: resource.etag, 'last-modified': resource.lastModified }
      const match = req.headers['if-none-match']
      const since = req.headers['if-modified-since']
      const fresh =
        match !== undefined ? match === resource.etag : since !== undefined && since === resource.lastModified
      if (fresh) {
        record(304, 0)
        res.writeHead(304, validators).end()
        return
      }
      record(200, resource.body.length)
      res
        .writeHead(200, {
          ...validators,
          'content-type': resource.type,
          'content-length': resource.body.length,
        })
        .end(resource.body)
    })
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  /** The same server under another host name, for links that must not be followed. */
  get otherHostUrl(): string {
    return this.url.replace('127.0.0.1', 'localhost')
  }

  /** Publishes (or republishes) a page or file at a decoded path; a new body gets a new ETag. */
  put(
    path: string,
    body: string | Buffer,
    type = path.endsWith('/') || !path.includes('.') ? 'text/html' : 'text/csv',
  ) {
    const data = Buffer.from(body)
    const etag = `"${createHash('sha256').update(data).digest('hex').slice(0, 16)}"`
    const lastModified = new Date(Date.UTC(2026, 0, 1) + ++this.version * 60_000).toUTCString()
    this.resources.set(path, { body: data, type, etag, lastModified })
  }

  remove(path: string): void {
    this.resources.delete(path)
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections()
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

/** An HTML page with the given links, as [href, text] pairs. */
export function page(title: string, links: readonly (readonly [string, string])[]): string {
  const items = links.map(([href, text]) => `    <li><a href="${href}">${text}</a></li>`).join('\n')
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body>
  <nav><a href="/">Home</a> <a href="/search">Search</a></nav>
  <main><h1>${title}</h1>
  <ul>
${items}
  </ul></main>
</body></html>
`
}
