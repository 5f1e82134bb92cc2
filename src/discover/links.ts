import { Parser } from 'htmlparser2'

/** A link on a page: absolute URL (no fragment) and the text a reader sees for it. */
export interface PageLink {
  readonly url: string
  readonly text: string
}

const SKIPPED_SCHEMES = /^(mailto|tel|javascript|data):/i

/**
 * The links of an HTML page in document order, resolved against the page URL (or its <base href>), each URL
 * once (texts of repeated links are joined with " | "). The text is the link's visible text with whitespace
 * collapsed, else its title or aria-label.
 */
export function extractLinks(html: string, pageUrl: string): PageLink[] {
  let base = pageUrl
  const links = new Map<string, string[]>()
  let open: { href: string; text: string; label: string; depth: number } | undefined
  let depth = 0
  const close = () => {
    if (!open) return
    const url = resolve(open.href, base)
    const text = (open.text.replace(/\s+/g, ' ').trim() || open.label.replace(/\s+/g, ' ').trim()).slice(
      0,
      500,
    )
    open = undefined
    if (!url) return
    const texts = links.get(url) ?? []
    if (text && !texts.includes(text)) texts.push(text)
    links.set(url, texts)
  }
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        depth++
        if (name === 'base' && attributes.href) base = resolve(attributes.href, pageUrl) ?? base
        if (name === 'a') {
          close()
          if (attributes.href !== undefined)
            open = {
              href: attributes.href,
              text: '',
              label: attributes.title ?? attributes['aria-label'] ?? '',
              depth,
            }
        }
      },
      ontext(text) {
        if (open) open.text += text
      },
      onclosetag(name) {
        if (open && (name === 'a' || depth < open.depth)) close()
        else if (open && /^(p|div|li|h[1-6]|span|td|th)$/.test(name)) open.text += ' '
        depth--
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  )
  parser.write(html)
  parser.end()
  close()
  return [...links].map(([url, texts]) => ({ url, text: texts.join(' | ') }))
}

function resolve(href: string, base: string): string | undefined {
  const trimmed = href.trim()
  if (trimmed === '' || trimmed.startsWith('#') || SKIPPED_SCHEMES.test(trimmed)) return undefined
  try {
    const url = new URL(trimmed, base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    url.hash = ''
    return url.toString()
  } catch {
    return undefined
  }
}
