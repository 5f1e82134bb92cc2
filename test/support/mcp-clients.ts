import type { ChildProcess } from 'node:child_process'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { REPO, startCli } from './cli.js'

/** The SDK's own client, connected to `datawarp mcp` as a user's MCP client would run it. */
export interface ConnectedClient {
  readonly client: Client
  /** The HTTP endpoint, for the HTTP transport. */
  readonly url?: string
  close(): Promise<void>
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, ...env }
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined))
}

/** `node bin/datawarp.js mcp <args>` spawned by the SDK's stdio transport. */
export async function stdioClient(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<ConnectedClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [`${REPO}/bin/datawarp.js`, 'mcp', ...args],
    cwd: options.cwd,
    env: cleanEnv(options.env ?? {}),
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d) => {
    stderr += d
  })
  const client = new Client({ name: 'datawarp-test', version: '1.0.0' })
  try {
    await client.connect(transport)
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`)
  }
  return { client, close: () => client.close() }
}

/** `datawarp mcp --http --port 0 <args>` started, and its URL read from what it prints. */
export async function startHttpServer(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const child = startCli(['mcp', '--http', '--port', '0', ...args], options)
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      stderr += d
      const found = /at (http:\/\/\S+\/mcp)/.exec(stderr)
      if (found) resolve(found[1]!)
    })
    child.once('exit', (code) => reject(new Error(`datawarp mcp --http exited with ${code}: ${stderr}`)))
  })
  return {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export async function httpClient(
  url: string,
  headers: Record<string, string> = {},
): Promise<ConnectedClient> {
  const client = new Client({ name: 'datawarp-test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return { client, url, close: () => client.close() }
}

/** A tool's structured answer; throws with the text when the tool reported an error. */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await client.callTool({ name, arguments: args })
  if (result.isError) throw new Error(JSON.stringify(result.content))
  return result.structuredContent as T
}
