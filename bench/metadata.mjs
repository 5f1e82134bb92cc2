// How much of the corpus DataWarp describes: the share of columns with a description that is not the header
// again, offline and with the LLM stub. `npm run bench:metadata` (builds first); skips when ../shared/corpus is
// absent.
//
// Each top-level folder of the corpus is taken as one publication and all its files as one release: extracted
// (ZIPs unpacked), drafted, reconciled as a first manifest and enriched as a run would (notes per file, the
// folder's documentation tables as the publisher's definitions). The stub answers every column it is asked
// about the way test/support/fake-openai.ts's echoAnswer does ("LLM: <header>"): its figure measures how many
// columns the LLM path reaches, not how good a real model's text is.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { enrichManifest, restatesTitle } from '../build/enrich/index.js'
import { extractFile } from '../build/extract/index.js'
import { defaultZipLimits, sniffFileKind, unpackZip } from '../build/fetch/index.js'
import { definitionIndex, draftKeys, profileTable, reconcile } from '../build/manifest/index.js'

const corpus = fileURLToPath(new URL('../../shared/corpus', import.meta.url))
if (!existsSync(corpus)) {
  console.log(`bench:metadata: no corpus at ${corpus}; nothing to measure`)
  process.exit(0)
}

/** Publication names by folder, from SOURCES.tsv (the first file of each folder names it). */
function publicationNames() {
  const names = new Map()
  const lines = readFileSync(join(corpus, 'SOURCES.tsv'), 'utf8').split('\n').slice(1)
  for (const line of lines) {
    const [path, , , , , , publication] = line.split('\t')
    const folder = path?.split('/')[0]
    if (folder && publication && !names.has(folder)) names.set(folder, publication.replace(/\s+-\s+.*$/, ''))
  }
  return names
}

const filesUnder = (dir) =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? filesUnder(path) : [path]
    })

/** A fetch that answers chat completions as the test suite's fake LLM does. */
function stubFetch() {
  return async (_url, init) => {
    const body = JSON.parse(init.body)
    const payload = JSON.parse(body.messages.find((m) => m.role === 'user').content)
    const answer = {
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
    const content = JSON.stringify(answer)
    const completion = {
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1754391246,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    }
    return new Response(JSON.stringify(completion), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })
  }
}

const LLM = {
  base_url: 'http://llm.stub/v1',
  model: 'stub',
  api_key_env: 'DATAWARP_BENCH_LLM_KEY',
  batch_columns: 60,
  timeout_seconds: 30,
}

async function release(folder, name, work) {
  const tables = []
  const notes = new Map()
  const documentation = []
  for (const path of filesUnder(join(corpus, folder))) {
    const fileName = path.split('/').pop()
    const kind = await sniffFileKind(path, fileName)
    const files =
      kind === 'zip'
        ? (
            await unpackZip(
              { url: path, path, fileName, bytes: 0, sha256: '', kind },
              join(work, folder),
              defaultZipLimits(2 ** 31),
            )
          ).members.map((m) => ({ path: m.path, fileName: m.name, kind: m.kind, zip: fileName }))
        : [{ path, fileName, kind }]
    for (const file of files) {
      if (!['csv', 'xlsx', 'ods'].includes(file.kind)) continue
      const extracted = await extractFile(file)
      tables.push(...extracted.tables)
      documentation.push(...(extracted.documentation ?? []))
      const lines = [
        ...extracted.tables.flatMap((t) => [
          ...(t.sheet && t.title ? [`${t.sheet}: ${t.title}`] : []),
          ...(t.notes ?? []),
        ]),
        ...(extracted.notes ?? []),
      ]
      notes.set(file.fileName, [...(notes.get(file.fileName) ?? []), ...lines])
    }
  }
  const keys = draftKeys(tables)
  const sources = []
  for (const [i, t] of tables.entries()) sources.push(await profileTable(t, keys[i]))
  const code = folder.replace(/[^a-z0-9]+/gi, '_').toLowerCase()
  const draft = { publication: code, period: '2024-01', sources, skipped: [] }
  const { manifest, drift } = reconcile({ code, name }, undefined, draft)
  const context = {
    publication: { code, name },
    period: '2024-01',
    notes: [...new Set([...notes.values()].flat())],
    fileNotes: notes,
    definitions: definitionIndex(documentation),
  }
  const measure = async (llm) => {
    const enriched = await enrichManifest({
      manifest,
      drift,
      draft,
      context,
      workDir: join(work, 'llm', code),
      ...(llm ? { settings: LLM, apiKey: 'bench-key', fetchImpl: stubFetch() } : {}),
    })
    const fields = enriched.manifest.sources.flatMap((s) => s.schema.fields)
    const described = fields.filter((f) => !restatesTitle(f.description, f.title))
    const publisher = described.filter((f) => f.descriptionSource === 'publisher')
    // BENCH_SHOW=1 prints the offline descriptions, to read them.
    if (!llm && process.env.BENCH_SHOW)
      for (const f of described) console.log(`  ${folder}: ${f.title} → ${f.description}`)
    return { columns: fields.length, described: described.length, publisher: publisher.length }
  }
  return {
    folder,
    documentation: documentation.length,
    offline: await measure(false),
    llm: await measure(true),
  }
}

const pct = (n, d) => (d === 0 ? '  -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`)

const work = mkdtempSync(join(tmpdir(), 'datawarp-bench-metadata-'))
try {
  const names = publicationNames()
  const folders = readdirSync(corpus)
    .filter((f) => statSync(join(corpus, f)).isDirectory())
    .sort()
  const rows = []
  for (const folder of folders) rows.push(await release(folder, names.get(folder) ?? folder, work))
  console.log('Columns with a description that is not the header again (corpus, one release per folder)\n')
  console.log(
    `${'publication'.padEnd(36)} ${'docs'.padStart(4)} ${'columns'.padStart(8)} ${'offline'.padStart(7)} ${'of which publisher'.padStart(18)} ${'LLM stub'.padStart(8)}`,
  )
  for (const r of rows)
    console.log(
      `${r.folder.padEnd(36)} ${String(r.documentation).padStart(4)} ${String(r.offline.columns).padStart(8)} ${pct(r.offline.described, r.offline.columns).padStart(7)} ${String(r.offline.publisher).padStart(18)} ${pct(r.llm.described, r.llm.columns).padStart(8)}`,
    )
  const sum = (pick) => rows.reduce((n, r) => n + pick(r), 0)
  const columns = sum((r) => r.offline.columns)
  const offline = sum((r) => r.offline.described)
  const llm = sum((r) => r.llm.described)
  console.log(
    `\nall: ${columns} columns; described offline ${offline} (${pct(offline, columns).trim()}), ${sum((r) => r.offline.publisher)} of them in the publisher's words; with the LLM stub ${llm} (${pct(llm, columns).trim()})`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
