/**
 * PostgreSQL connection strings as libpq accepts them, for showing and storing: a URI
 * (`postgres://user:password@host,host2/db?password=…&sslpassword=…`) or a key=value string
 * (`host=… password='…'`). Read as text, not with `new URL` (a multi-host URI does not parse as one), so
 * every form is redacted the same way.
 */
const SECRET_KEYS = new Set(['password', 'sslpassword'])
const URI = /^[a-z][a-z0-9+.-]*:\/\//i
const KEY_VALUE = /([a-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi

interface Secret {
  readonly start: number
  readonly end: number
  readonly value: string
}

const decode = (text: string) => {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return text
  }
}

function secretsIn(text: string): Secret[] {
  if (!URI.test(text)) {
    const found: Secret[] = []
    for (const m of text.matchAll(KEY_VALUE)) {
      if (!SECRET_KEYS.has((m[1] ?? '').toLowerCase())) continue
      const start = (m.index ?? 0) + (m[1] ?? '').length + (m[2] ?? '').length
      const raw = m[3] ?? ''
      const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
      found.push({ start, end: start + raw.length, value })
    }
    return found
  }
  const found: Secret[] = []
  const authorityStart = text.indexOf('://') + 3
  const authorityEnd = authorityStart + (/[/?#]|$/.exec(text.slice(authorityStart))?.index ?? 0)
  const at = text.lastIndexOf('@', authorityEnd - 1)
  if (at >= authorityStart) {
    const colon = text.indexOf(':', authorityStart)
    if (colon >= 0 && colon < at)
      found.push({ start: colon + 1, end: at, value: decode(text.slice(colon + 1, at)) })
  }
  const queryStart = text.indexOf('?', authorityEnd)
  if (queryStart >= 0) {
    const queryEnd = text.includes('#', queryStart) ? text.indexOf('#', queryStart) : text.length
    let from = queryStart + 1
    for (const pair of text.slice(queryStart + 1, queryEnd).split('&')) {
      const eq = pair.indexOf('=')
      if (eq >= 0 && SECRET_KEYS.has(decode(pair.slice(0, eq)).toLowerCase()))
        found.push({ start: from + eq + 1, end: from + pair.length, value: decode(pair.slice(eq + 1)) })
      from += pair.length + 1
    }
  }
  return found
}

/** The connection string with every password replaced by `***`, safe to print, log and store. */
export function redactConnectionString(text: string): string {
  let out = text
  for (const secret of secretsIn(text).sort((a, b) => b.start - a.start))
    out = `${out.slice(0, secret.start)}***${out.slice(secret.end)}`
  return out
}

/** The passwords a connection string carries (decoded), in the order written. */
export function connectionPasswords(text: string): string[] {
  return secretsIn(text)
    .map((secret) => secret.value)
    .filter((value) => value.length > 0)
}
