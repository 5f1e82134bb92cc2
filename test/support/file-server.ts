import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

/** A local HTTP server over a folder, standing in for NHS England's file hosts. Counts requests per path. */
export class FileServer {
  readonly requests = new Map<string, number>()
  private server?: Server
  url = ''

  constructor(readonly root: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1)
      const file = join(this.root, path)
      if (!file.startsWith(this.root) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      res.writeHead(200, { 'content-length': statSync(file).size })
      createReadStream(file).pipe(res)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  fileUrl(name: string): string {
    return `${this.url}/${encodeURIComponent(name)}`
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
