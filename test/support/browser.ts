import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, resolve, sep } from 'node:path'
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core'

/** Debian's chromium package (`.ci/run` installs it), or another Chromium build named by CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const HAS_CHROMIUM = existsSync(CHROMIUM)

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  readonly context: BrowserContext
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile folder, removed on close. */
export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'datawarp-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** A computed style property of the first element a locator finds. */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  type Window = { getComputedStyle(element: unknown): Record<string, string> }
  return locator.evaluate(
    (element, name) => (globalThis as unknown as Window).getComputedStyle(element)[name]!,
    property,
  )
}

/** The absolute URLs of every link, stylesheet and script on a page. */
export function linkedUrls(page: Page): Promise<string[]> {
  return page
    .locator('a[href], link[href], script[src]')
    .evaluateAll((nodes) =>
      nodes.map((n) => (n as { href?: string }).href || (n as { src?: string }).src || ''),
    )
}

/** Console errors, failed requests and uncaught exceptions of a page, as they happen. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`))
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`))
  return errors
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: string[]
}

/** axe-core's WCAG 2.x A/AA checks (and its best practices) on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE)
  // A string, so this test code needs no DOM types: it runs in the page.
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      preload: false, // axe would fetch the stylesheets itself, which a file:// page may not
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }))
  })()`) as Promise<AxeViolation[]>
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
}

/** A folder served under a sub-path, as GitHub Pages serves a project site (`/<repository>/...`). */
export class StaticServer {
  private server?: Server
  url = ''

  constructor(
    readonly root: string,
    readonly prefix: string,
  ) {}

  async start(): Promise<this> {
    const root = resolve(this.root)
    this.server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      const file = path.startsWith(this.prefix) ? resolve(root, `.${path.slice(this.prefix.length - 1)}`) : ''
      if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': statSync(file).size,
        'x-content-type-options': 'nosniff',
      })
      createReadStream(file).pipe(res)
    })
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`
    return this
  }

  stop(): Promise<void> {
    return new Promise((done) => (this.server ? this.server.close(() => done()) : done()))
  }
}
