import { describe, expect, it } from 'vitest'
import { dueDate, expandSchedule, nextPeriod, periodContaining, scheduleProblem } from './period-schedule.js'

const day = (iso: string) => new Date(`${iso}T12:00:00Z`)

describe('period schedules', () => {
  it('step to the next period of the same kind', () => {
    expect(['2025-12', '2025-Q4', 'FY2024-25', '2024'].map(nextPeriod)).toEqual([
      '2026-01',
      '2026-Q1',
      'FY2025-26',
      '2025',
    ])
  })

  it('know the period holding a day', () => {
    const d = day('2026-02-10')
    expect(periodContaining('month', d)).toBe('2026-02')
    expect(periodContaining('quarter', d)).toBe('2026-Q1')
    expect(periodContaining('financial_year', d)).toBe('FY2025-26')
    expect(periodContaining('year', d)).toBe('2026')
  })

  it('run monthly up to the current month, each period due its lag after it ends', () => {
    const periods = expandSchedule({ start: '2025-10', end: 'current', lag_days: 45 }, day('2026-01-20'))
    expect(periods).toEqual([
      { period: '2025-10', dueOn: '2025-12-15', due: true },
      { period: '2025-11', dueOn: '2026-01-14', due: true },
      { period: '2025-12', dueOn: '2026-02-14', due: false },
      { period: '2026-01', dueOn: '2026-03-17', due: false },
    ])
  })

  it('take only the selected months', () => {
    const periods = expandSchedule(
      { start: '2025-05', end: '2026-12', months: [2, 5, 8, 11], lag_days: 0 },
      day('2026-06-01'),
    )
    expect(periods.map((p) => p.period)).toEqual([
      '2025-05',
      '2025-08',
      '2025-11',
      '2026-02',
      '2026-05',
      '2026-08',
      '2026-11',
    ])
    expect(periods.filter((p) => p.due).map((p) => p.period)).toEqual([
      '2025-05',
      '2025-08',
      '2025-11',
      '2026-02',
      '2026-05',
    ])
  })

  it('run quarterly when they start with a quarter', () => {
    const periods = expandSchedule({ start: '2025-Q2', end: 'current', lag_days: 60 }, day('2026-01-01'))
    expect(periods.map((p) => [p.period, p.dueOn, p.due])).toEqual([
      ['2025-Q2', '2025-08-29', true],
      ['2025-Q3', '2025-11-29', true],
      ['2025-Q4', '2026-03-01', false],
      ['2026-Q1', '2026-05-30', false],
    ])
  })

  it('say what is wrong with an end or months that do not fit the start', () => {
    expect(scheduleProblem({ start: '2025-04', end: '2025-Q4' })?.message).toBe(
      'end 2025-Q4 is not the same kind of period as start 2025-04',
    )
    expect(scheduleProblem({ start: '2025-04', end: '2025-01' })?.message).toBe(
      'end 2025-01 comes before start 2025-04',
    )
    expect(scheduleProblem({ start: '2025-Q1', end: 'current', months: [3] })?.field).toBe('months')
    expect(scheduleProblem({ start: '2025-04', end: 'current', months: [3] })).toBeUndefined()
  })

  it('count the lag from the period’s last day', () => {
    expect(dueDate('2024-02', 1)).toBe('2024-03-01')
    expect(dueDate('FY2024-25', 0)).toBe('2025-03-31')
  })
})
