import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Response shapes recorded from the OpenAI chat-completions API (see the file's "about"). */
export const OPENAI_SHAPES = JSON.parse(
  readFileSync(new URL('./openai-chat-completions.json', import.meta.url), 'utf8'),
) as Record<
  'completion' | 'refusal' | 'rateLimited' | 'serverError' | 'unauthorized',
  { status: number; headers: Record<string, string>; body: Record<string, unknown> }
>

export interface ChatRequest {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw request body, as sent. */
  readonly text: string
  readonly body: {
    model: string
    messages: { role: string; content: string }[]
    response_format: { type: string; json_schema: { name: string; strict: boolean; schema: unknown } }
    temperature: number
  }
  /** The user message, parsed: what DataWarp asks about. */
  readonly payload: {
    publication: { code: string; name: string }
    source: { key: string; sheet?: string; file: string }
    describe_source: boolean
    notes: string[]
    columns: { column: string; header: string; type: string; samples?: string[] }[]
  }
}

export type Reply =
  /** A chat.completion whose message content is this value as JSON (or this text, as written). */
  | { readonly answer: unknown }
  | { readonly shape: 'refusal' | 'rateLimited' | 'serverError' | 'unauthorized'; readonly message?: string }
  /** Never answers (the client's timeout fires). */
  | { readonly hang: true }

export type Responder = (request: ChatRequest, n: number) => Reply

/** What a well-behaved model answers: a description, unit and role for every column asked about. */
export function echoAnswer(request: ChatRequest): unknown {
  const { payload } = request
  return {
    source: payload.describe_source
      ? {
          title: `LLM title of ${payload.source.key}`,
          description: `LLM description of ${payload.source.key}.`,
        }
      : null,
    columns: payload.columns.map((c) => ({
      column: c.column,
      description: `LLM: ${c.header}`,
      unit: c.type === 'string' ? null : 'count',
      role: c.type === 'string' ? 'dimension' : 'measure',
    })),
  }
}

/**
 * A local server speaking the chat-completions API: POST /v1/chat/completions with a bearer key, answering in
 * the recorded shapes. Records every request.
 */
export class FakeOpenAI {
  readonly requests: ChatRequest[] = []
  private server?: Server
  url = ''

  constructor(
    private readonly apiKey: string,
    public responder: Responder = (r) => ({ answer: echoAnswer(r) }),
  ) {}

  /** The base_url for settings.llm. */
  get baseUrl(): string {
    return `${this.url}/v1`
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const send = (status: number, headers: Record<string, string>, body: unknown) => {
          const json = JSON.stringify(body)
          res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(json)) }).end(json)
        }
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          send(
            404,
            { 'content-type': 'application/json' },
            { error: { message: 'Not found', type: 'invalid_request_error', param: null, code: null } },
          )
          return
        }
        if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
          send(401, OPENAI_SHAPES.unauthorized.headers, OPENAI_SHAPES.unauthorized.body)
          return
        }
        const body = JSON.parse(text) as ChatRequest['body']
        const user = body.messages.find((m) => m.role === 'user')?.content ?? '{}'
        const request: ChatRequest = {
          path: req.url,
          headers: req.headers,
          text,
          body,
          payload: JSON.parse(user),
        }
        this.requests.push(request)
        const reply = this.responder(request, this.requests.length)
        if ('hang' in reply) return
        if ('shape' in reply) {
          const shape = structuredClone(OPENAI_SHAPES[reply.shape])
          if (reply.message !== undefined) (shape.body.error as { message: string }).message = reply.message
          send(shape.status, shape.headers, shape.body)
          return
        }
        const content = typeof reply.answer === 'string' ? reply.answer : JSON.stringify(reply.answer)
        const shape = structuredClone(OPENAI_SHAPES.completion)
        const completion = shape.body as {
          id: string
          created: number
          model: string
          choices: { message: { content: string } }[]
          usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
        }
        completion.id = `chatcmpl-fake${String(this.requests.length).padStart(6, '0')}`
        completion.created = 1754391246 + this.requests.length
        completion.model = body.model
        completion.choices[0]!.message.content = content
        const prompt = Math.ceil(text.length / 4)
        const output = Math.ceil(content.length / 4)
        completion.usage = {
          ...completion.usage,
          prompt_tokens: prompt,
          completion_tokens: output,
          total_tokens: prompt + output,
        }
        send(shape.status, shape.headers, completion)
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
  }
}
