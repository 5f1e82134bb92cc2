import { type Config, RetentionSchema } from '../src/model/config.js'

export interface Retention {
  readonly days: number
  /** Where the number came from, for the job summary. */
  readonly from: string
}

/**
 * The artifacts' retention, from ONE place: `settings.retention.artifact_days` in the config (whose default lives
 * in the config schema), unless the `retention-days` input overrides it.
 */
export function artifactRetention(
  config: Config | undefined,
  input: number | undefined,
  /** How to name the config file in the job summary. */
  configName = config?.file,
): Retention {
  if (input !== undefined) return { days: input, from: 'the retention-days input' }
  if (config)
    return {
      days: config.settings.retention.artifact_days,
      from: `settings.retention.artifact_days in ${configName}`,
    }
  return {
    days: RetentionSchema.parse({}).artifact_days,
    from: 'the default of settings.retention.artifact_days',
  }
}
