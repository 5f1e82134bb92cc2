import { z } from 'zod'
import { ConfigFileSchema } from './config.js'
import { CanonicalManifestSchema } from './manifest.js'

/** JSON Schemas for editors, generated from the same zod schemas the code validates with. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'publications.schema.json': {
      title: 'DataWarp publications config (config/publications.yaml)',
      ...z.toJSONSchema(ConfigFileSchema, { io: 'input' }),
    },
    'canonical-manifest.schema.json': {
      title: 'DataWarp canonical manifest (manifests/canonical/<pub>/<pub>_canonical.yaml)',
      ...z.toJSONSchema(CanonicalManifestSchema, { io: 'input' }),
    },
  }
}
