import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument, stringify } from 'yaml'
import { defaultCanonicalManifestPath, SNAKE_CODE } from '../model/config.js'

/**
 * Canonical manifests as text, read from the project's `manifests/canonical/` (the default layout). Null when
 * the file is not there: a reader of downloaded exports may have no manifests at hand.
 */
export class ManifestFiles {
  constructor(private readonly root: string | undefined) {}

  async text(publication: string): Promise<string | null> {
    if (!this.root || !SNAKE_CODE.test(publication)) return null
    try {
      return await readFile(join(this.root, defaultCanonicalManifestPath(publication)), 'utf8')
    } catch {
      return null
    }
  }

  /** The source's entry of its publication's manifest, as YAML. */
  async sourceText(publication: string, sourceKey: string): Promise<string | null> {
    const text = await this.text(publication)
    if (text === null) return null
    const manifest = parseDocument(text).toJS() as { sources?: { key?: unknown }[] } | null
    const source = manifest?.sources?.find((s) => s?.key === sourceKey)
    return source ? stringify(source, { lineWidth: 0 }) : null
  }
}
