import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describeLocation, type Location } from '../model/table.js'

export type EventLevel = 'debug' | 'info' | 'warn' | 'error'

export interface RunEvent {
  readonly level?: EventLevel
  readonly event: string
  readonly publication?: string
  readonly period?: string
  readonly source?: string
  readonly duration_ms?: number
  /** CPU time the process spent while the stage ran (user and system, all its threads), on a stage's end. */
  readonly cpu_ms?: number
  readonly rows?: number
  readonly message?: string
  readonly error?: { message: string; where?: string }
  readonly [detail: string]: unknown
}

/**
 * One JSON object per line in data/logs/events/<UTC date of the run's start>/<run_id>.jsonl: every stage start
 * and end, warning and error. Lines are appended synchronously so a killed run keeps what it logged.
 */
export class EventLog {
  readonly path: string
  private readonly listeners: ((line: Record<string, unknown>) => void)[] = []

  constructor(
    readonly runId: string,
    /** The layout's events folder (data/logs/events/). */
    eventsDir: string,
    started = new Date(),
  ) {
    const dir = join(eventsDir, started.toISOString().slice(0, 10))
    mkdirSync(dir, { recursive: true })
    this.path = join(dir, `${runId}.jsonl`)
  }

  onEvent(listener: (line: Record<string, unknown>) => void): void {
    this.listeners.push(listener)
  }

  emit(event: RunEvent): void {
    const line = { ts: new Date().toISOString(), run_id: this.runId, level: 'info', ...event }
    appendFileSync(this.path, `${JSON.stringify(line)}\n`)
    for (const listener of this.listeners) listener(line)
  }

  /** Times a stage: "<stage>.start", then "<stage>.end" with duration_ms, or "<stage>.error" and rethrow. */
  async stage<T>(
    stage: string,
    context: Omit<RunEvent, 'event'>,
    work: () => Promise<T>,
    rows?: (result: T) => number,
  ) {
    const started = Date.now()
    const cpu = cpuClock()
    this.emit({ ...context, level: 'debug', event: `${stage}.start` })
    try {
      const result = await work()
      const counted = rows?.(result)
      this.emit({
        ...context,
        event: `${stage}.end`,
        duration_ms: Date.now() - started,
        cpu_ms: cpu(),
        ...(counted !== undefined ? { rows: counted } : {}),
      })
      return result
    } catch (error) {
      this.emit({
        ...context,
        level: 'error',
        event: `${stage}.error`,
        duration_ms: Date.now() - started,
        error: errorDetail(error),
      })
      throw error
    }
  }
}

export function errorDetail(error: unknown): { message: string; where?: string } {
  const message = error instanceof Error ? error.message : String(error)
  const where = (error as { where?: Location } | undefined)?.where
  const described = where ? describeLocation(where) : ''
  return described ? { message, where: described } : { message }
}

/**
 * Starts a CPU clock of the process: the milliseconds of CPU (user and system, every thread) spent since, which
 * beside a stage's duration says whether the stage waited (on PostgreSQL, the network) or computed.
 */
export function cpuClock(): () => number {
  const start = process.cpuUsage()
  return () => {
    const used = process.cpuUsage(start)
    return Math.round((used.user + used.system) / 1000)
  }
}
