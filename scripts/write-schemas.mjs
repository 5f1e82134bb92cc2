// Writes schemas/*.json from the zod schemas (npm run schemas). A test checks they stay in step.
import { writeFileSync } from 'node:fs'
import { jsonSchemas } from '../build/model/json-schemas.js'

for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`)
  console.log(`schemas/${file}`)
}
