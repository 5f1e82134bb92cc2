import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jsonSchemas } from './json-schemas.js'

const SCHEMAS = new URL('../../schemas', import.meta.url).pathname

describe('the committed JSON Schemas', () => {
  it('are exactly what the zod schemas generate (run `npm run schemas` after changing them)', () => {
    for (const [file, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8'))
      expect(committed, file).toEqual(schema)
    }
  })

  it('describe the publications with their url entries', () => {
    const schema = jsonSchemas()['publications.schema.json'] as { properties: { publications: unknown } }
    expect(JSON.stringify(schema.properties.publications)).toContain('"period"')
  })
})
