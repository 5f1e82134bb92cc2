import { connectionPasswords } from '../src/model/connection-string.js'

/**
 * The secrets the Action was given (database URL, tokens, LLM key) and the pieces of them that could leak on
 * their own (every password a connection string carries, in plain and percent-encoded form). Every one is masked in the runner's log with
 * core.setSecret, and `redact` removes them from everything the Action writes elsewhere: the job summary, pull
 * request bodies and comments, outputs, uploaded logs.
 */
export class Secrets {
  private readonly values = new Set<string>()

  constructor(private readonly mask: (value: string) => void = () => {}) {}

  add(value: string | undefined): void {
    if (!value) return
    const parts = [value]
    for (const password of connectionPasswords(value)) parts.push(encodeURIComponent(password), password)
    for (const part of parts) {
      // Short fragments would blank out ordinary words; a password that short is masked with its URL.
      if (part.length < 4 || this.values.has(part)) continue
      this.values.add(part)
      this.mask(part)
    }
  }

  redact(text: string): string {
    let out = text
    // Longest first, so a URL is replaced whole before its password.
    for (const value of [...this.values].sort((a, b) => b.length - a.length))
      out = out.split(value).join('***')
    return out
  }

  contains(text: string): boolean {
    for (const value of this.values) if (text.includes(value)) return true
    return false
  }
}
