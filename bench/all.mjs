// npm run bench: every benchmark of the load, the run and the history, one after the other, each in a process of
// its own (so each one's peak RSS is its own). bench/history.mjs (the cost of a new period as history grows) runs
// when it exists. The environment each one reads (BENCH_ROWS and the like) passes through.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const benches = ['load-export.mjs', 'history.mjs']
let failed = false
for (const name of benches) {
  const path = fileURLToPath(new URL(`./${name}`, import.meta.url))
  if (!existsSync(path)) continue
  const { status } = spawnSync(process.execPath, [path], { stdio: 'inherit' })
  if (status !== 0) {
    console.error(`bench/${name} failed (exit ${status})`)
    failed = true
  }
}
process.exit(failed ? 1 : 0)
