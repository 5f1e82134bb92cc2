/**
 * Which periods a publication expects, and from when each is due: a list, or a schedule whose `start` period
 * sets the cadence (2025-04 monthly, 2025-Q1 quarterly, FY2024-25 or 2024 yearly), optionally only some months.
 */
import { isPeriodError, type Period, type PeriodKind, parsePeriod } from './period.js'

export interface PeriodSchedule {
  readonly start: string
  /** A period of the same kind, or "current": the period holding today. */
  readonly end: string
  /** For monthly schedules: only these months (1–12). */
  readonly months?: readonly number[]
  /** Days after a period's last day before its release is expected. */
  readonly lag_days: number
}

export interface ScheduledPeriod {
  readonly period: string
  /** The first day the period's release is expected (its last day + the lag), YYYY-MM-DD. */
  readonly dueOn: string
  /** dueOn is today or before. */
  readonly due: boolean
}

const pad = (n: number) => String(n).padStart(2, '0')

function must(key: string): Period {
  const period = parsePeriod(key)
  if (isPeriodError(period)) throw new Error(period.error)
  return period
}

/** The period of a kind that holds a day. */
export function periodContaining(kind: PeriodKind, day: Date): string {
  const year = day.getUTCFullYear()
  const month = day.getUTCMonth() + 1
  switch (kind) {
    case 'month':
      return `${year}-${pad(month)}`
    case 'quarter':
      return `${year}-Q${Math.ceil(month / 3)}`
    case 'financial_year': {
      const start = month >= 4 ? year : year - 1
      return `FY${start}-${pad((start + 1) % 100)}`
    }
    case 'year':
      return String(year)
  }
}

/** The period right after one, of the same kind. */
export function nextPeriod(key: string): string {
  const period = must(key)
  const after = new Date(`${period.end}T00:00:00Z`)
  after.setUTCDate(after.getUTCDate() + 1)
  return periodContaining(period.kind, after)
}

/** A period's last day plus the lag, as YYYY-MM-DD. */
export function dueDate(key: string, lagDays: number): string {
  const end = new Date(`${must(key).end}T00:00:00Z`)
  end.setUTCDate(end.getUTCDate() + lagDays)
  return end.toISOString().slice(0, 10)
}

/** YYYY-MM-DD of a moment, in UTC. */
export function isoDay(day: Date): string {
  return day.toISOString().slice(0, 10)
}

/** Why a schedule cannot be expanded, or undefined when it can. */
export function scheduleProblem(schedule: {
  start: string
  end: string
  months?: readonly number[]
}): { field: 'end' | 'months'; message: string } | undefined {
  const start = parsePeriod(schedule.start)
  if (isPeriodError(start)) return undefined // reported on start itself
  if (schedule.end !== 'current') {
    const end = parsePeriod(schedule.end)
    if (isPeriodError(end)) return undefined
    if (end.kind !== start.kind)
      return {
        field: 'end',
        message: `end ${schedule.end} is not the same kind of period as start ${schedule.start}`,
      }
    if (end.start < start.start)
      return { field: 'end', message: `end ${schedule.end} comes before start ${schedule.start}` }
  }
  if (schedule.months && start.kind !== 'month')
    return { field: 'months', message: `months only applies to a monthly schedule (start like 2025-04)` }
  return undefined
}

/** At most this many periods come out of one schedule (a monthly schedule over 80 years). */
export const MAX_SCHEDULED_PERIODS = 1000

/** The periods of a schedule, oldest first, each with the day it is due. */
export function expandSchedule(schedule: PeriodSchedule, today: Date): ScheduledPeriod[] {
  const start = must(schedule.start)
  const end = schedule.end === 'current' ? periodContaining(start.kind, today) : schedule.end
  const last = must(end).start
  const out: ScheduledPeriod[] = []
  for (let key = start.key; must(key).start <= last; key = nextPeriod(key)) {
    if (out.length >= MAX_SCHEDULED_PERIODS) break
    if (schedule.months && !schedule.months.includes(Number(key.slice(5, 7)))) continue
    out.push(scheduled(key, schedule.lag_days, today))
  }
  return out
}

/** One period with its due day. */
export function scheduled(key: string, lagDays: number, today: Date): ScheduledPeriod {
  const dueOn = dueDate(key, lagDays)
  return { period: key, dueOn, due: dueOn <= isoDay(today) }
}
