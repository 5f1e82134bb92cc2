import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import yauzl from 'yauzl'

/** An artifact the fake service finalized: its name, the job that uploaded it, and the paths in its zip. */
export interface StoredArtifact {
  readonly id: number
  readonly name: string
  readonly job: string
  readonly files: readonly string[]
}

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/'

/**
 * A local stand-in for GitHub's artifact service as @actions/artifact (v2+) talks to it: CreateArtifact and
 * FinalizeArtifact (Twirp, JSON) and the signed blob-storage URL the zip is uploaded to (Azure's Put Block and Put
 * Block List). Like GitHub, it refuses a second artifact of the same name in one workflow run (409), so a test sees
 * the jobs of a matrix collide if their names do. The bundle reaches it through ACTIONS_RESULTS_URL and a runtime
 * token naming the workflow run and job (ACTIONS_RUNTIME_TOKEN).
 */
export class FakeArtifactService {
  readonly artifacts: StoredArtifact[] = []
  /** Refused CreateArtifact calls: name and reason. */
  readonly refused: { name: string; reason: string }[] = []
  private server?: Server
  private readonly pending = new Map<
    string,
    { name: string; run: string; job: string; blocks: Map<string, Buffer>; body?: Buffer }
  >()
  private readonly names = new Set<string>()
  url = ''

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ code: 'internal', msg: error.message }))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** The environment a job's runner gives its steps: the service's URL and a token for this run and job. */
  jobEnv(workflowRun: string, job: string): Record<string, string> {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead Actions.Results:${workflowRun}:${job}` })}.x`
    return { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `${this.url}/` }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await read(req)
    const url = new URL(req.url ?? '/', this.url)
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    if (req.method === 'POST' && url.pathname === `${SERVICE}CreateArtifact`) {
      const request = JSON.parse(body.toString('utf8'))
      const run = request.workflowRunBackendId ?? request.workflow_run_backend_id
      const job = request.workflowJobRunBackendId ?? request.workflow_job_run_backend_id
      const key = `${run}/${request.name}`
      if (this.names.has(key)) {
        this.refused.push({ name: request.name, reason: 'already exists in this workflow run' })
        return json(409, { code: 'already_exists', msg: `an artifact named ${request.name} already exists` })
      }
      this.names.add(key)
      const blob = randomUUID()
      this.pending.set(blob, { name: request.name, run, job, blocks: new Map() })
      return json(200, { ok: true, signedUploadUrl: `${this.url}/blob/${blob}?sig=fake` })
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/blob/')) {
      const upload = this.pending.get(url.pathname.slice('/blob/'.length))
      if (!upload) return json(404, { msg: 'no such blob' })
      const comp = url.searchParams.get('comp')
      if (comp === 'block') upload.blocks.set(url.searchParams.get('blockid')!, body)
      else if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Committed|Uncommitted)>([^<]*)</g)].map(
          (m) => m[1]!,
        )
        upload.body = Buffer.concat(ids.map((id) => upload.blocks.get(id) ?? Buffer.alloc(0)))
      } else upload.body = body
      res.writeHead(201, { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', etag: '"0x1"' })
      res.end()
      return
    }
    if (req.method === 'POST' && url.pathname === `${SERVICE}FinalizeArtifact`) {
      const request = JSON.parse(body.toString('utf8'))
      const entry = [...this.pending.entries()].find(([, u]) => u.name === request.name && u.body)
      if (!entry) return json(404, { code: 'not_found', msg: `nothing uploaded for ${request.name}` })
      const [blob, upload] = entry
      this.pending.delete(blob)
      const id = this.artifacts.length + 1
      this.artifacts.push({ id, name: upload.name, job: upload.job, files: await zipEntries(upload.body!) })
      return json(200, { ok: true, artifactId: String(id) })
    }
    json(404, { code: 'bad_route', msg: `${req.method} ${url.pathname}` })
  }
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The file paths in a zip, sorted. */
function zipEntries(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error)
      const names: string[] = []
      file.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/')) names.push(entry.fileName)
        file.readEntry()
      })
      file.on('end', () => resolve(names.sort()))
      file.on('error', reject)
      file.readEntry()
    })
  })
}
