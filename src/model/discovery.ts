/**
 * The config fields that let DataWarp find a publication's files by itself, and what loadConfig resolves them
 * to. The fields are part of PublicationSchema (config.ts); the discover stage (src/discover/) uses the result.
 */
import { z } from 'zod'
import { isPeriodError, PERIOD_GRAMMAR, parsePeriod } from './period.js'
import { scheduleProblem } from './period-schedule.js'
import { monthNumber, TEMPLATE_PLACEHOLDERS, unknownPlaceholders } from './period-text.js'

/** Hosts a scraped link may point at when allowed_hosts is not given, besides the landing page's own. */
export const DEFAULT_FILE_HOSTS = ['files.digital.nhs.uk', 'www.england.nhs.uk'] as const

/** The file types discovery looks for. */
export const DATA_FILE_EXTENSIONS = ['.xlsx', '.xls', '.csv', '.zip', '.ods'] as const

/** A period in the one grammar, as written in YAML (an unquoted 2024 is a number). */
export const PeriodTextSchema = z
  .union([z.string(), z.number()])
  .transform(String)
  .superRefine((value, ctx) => {
    const parsed = parsePeriod(value)
    if (isPeriodError(parsed)) ctx.addIssue({ code: 'custom', message: parsed.error })
  })
  .describe(`A period: ${PERIOD_GRAMMAR}`)

const monthField = z
  .union([z.number(), z.string()])
  // superRefine, not a failing transform: a bad month is then reported as such inside the periods union.
  .superRefine((value, ctx) => {
    if (monthNumber(value) === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a month: use 1-12 or a name (may, November)`,
      })
  })
  .transform((value) => monthNumber(value) ?? 0)
  .describe('A month: 1-12 or a name (feb, November)')

const placeholderCheck = (value: string, ctx: z.core.$RefinementCtx) => {
  const unknown = unknownPlaceholders(value)
  if (unknown.length > 0)
    ctx.addIssue({
      code: 'custom',
      message: `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; known: ${Object.keys(
        TEMPLATE_PLACEHOLDERS,
      )
        .map((k) => `{${k}}`)
        .join(' ')}`,
    })
}

export const PeriodScheduleSchema = z
  .strictObject({
    start: PeriodTextSchema.describe(
      'First period. Its form sets the cadence: 2025-04 monthly, 2025-Q1 quarterly, FY2024-25 or 2024 yearly',
    ),
    end: z
      .union([z.literal('current'), PeriodTextSchema])
      .default('current')
      .describe('Last period, or "current": the period holding today (default)'),
    months: z
      .array(monthField)
      .min(1)
      .optional()
      .describe('Monthly schedules only: just these months, e.g. [feb, may, aug, nov]'),
    lag_days: z
      .number()
      .int()
      .min(0)
      .max(3660)
      .default(0)
      .describe(
        'Days after a period ends before its release is expected. Until then a missing release is not reported; after, it is a warning',
      ),
  })
  .superRefine((schedule, ctx) => {
    const problem = scheduleProblem(schedule)
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message })
  })

const hostName = z
  .string()
  .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'a host name such as files.digital.nhs.uk (no scheme, no path)')

/** Spread into PublicationSchema: all optional, so entries with `urls` only are unchanged. */
export const DiscoveryFields = {
  landing_page: z
    .string()
    .superRefine((value, ctx) => {
      if (!/^https?:\/\/[^/\s]+/i.test(value))
        ctx.addIssue({ code: 'custom', message: 'must be an http(s):// URL' })
    })
    .optional()
    .describe('The publication page listing its releases; {landing_page} in url_template'),
  url_template: z
    .string()
    .min(1)
    .superRefine(placeholderCheck)
    .optional()
    .describe(
      'URL of a period, with placeholders such as {landing_page} {month_name} {year} {day} {mon} {yy}: a data file (.xlsx .xls .csv .zip .ods) fetched as it is, or a page scanned for files',
    ),
  periods: z
    .union([z.array(PeriodTextSchema).min(1), PeriodScheduleSchema])
    .optional()
    .describe('The periods to look for: a list, or a schedule { start, end, months, lag_days }'),
  discover: z
    .union([
      z.string().min(1).superRefine(placeholderCheck),
      z.array(z.string().min(1).superRefine(placeholderCheck)).min(1),
    ])
    .optional()
    .describe(
      'File name pattern(s) (* and ?, case-insensitive, placeholders allowed) of the files to take from the scanned pages',
    ),
  allowed_hosts: z
    .array(hostName)
    .min(1)
    .optional()
    .describe(
      'Hosts a discovered file may come from; default: the landing page host, files.digital.nhs.uk and www.england.nhs.uk',
    ),
}

interface DiscoveryEntry {
  landing_page?: string | undefined
  url_template?: string | undefined
  periods?: unknown
  discover?: string | string[] | undefined
  allowed_hosts?: string[] | undefined
}

/** The rules between the discovery fields, reported at the field to change. */
export function checkDiscovery(entry: DiscoveryEntry, ctx: z.core.$RefinementCtx): void {
  const finds = entry.url_template !== undefined || entry.discover !== undefined
  const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message })
  if (finds && entry.periods === undefined)
    issue(
      'periods',
      'periods is required with url_template or discover: a list of periods, or a schedule such as { start: 2025-04, end: current, lag_days: 45 }',
    )
  if (!finds && entry.periods !== undefined)
    issue(
      'periods',
      'periods needs url_template (a URL per period) or discover (files to look for on landing_page)',
    )
  if (entry.discover !== undefined && entry.url_template === undefined && entry.landing_page === undefined)
    issue('discover', 'discover without url_template scans landing_page: give landing_page')
  if (entry.url_template?.includes('{landing_page}') && entry.landing_page === undefined)
    issue('url_template', '{landing_page} needs landing_page')
  if (entry.url_template !== undefined && !/^(\{landing_page\}|https?:\/\/)/i.test(entry.url_template))
    issue('url_template', 'must render an http(s):// URL: start with https:// or {landing_page}')
  if (entry.allowed_hosts !== undefined && !finds)
    issue('allowed_hosts', 'allowed_hosts only applies with url_template or discover')
}

/** One period discovery looks for. */
export interface PeriodPlan {
  readonly period: string
  /** The day its release is expected: the period's last day + lag_days. */
  readonly dueOn: string
  /** dueOn has come (on the day the config was read). Periods not yet due are not looked for. */
  readonly due: boolean
  /** url_template rendered for the period, when there is a template. */
  readonly url?: string
  /** 1-based config line the period comes from (its list item, or the schedule). */
  readonly line: number
}

/** A publication's discovery settings, resolved by loadConfig. */
export interface Discovery {
  readonly landingPage?: string
  readonly urlTemplate?: string
  /** File name patterns; ["*"] (every data file) when discover is not given. */
  readonly patterns: readonly string[]
  /** Hosts discovered files may come from (lower case). Pages named by the config are always allowed. */
  readonly allowedHosts: readonly string[]
  /** The periods to look for, oldest first; periods listed under `urls` are left to those entries. */
  readonly periods: readonly PeriodPlan[]
  /** 1-based config line of url_template, else discover: where a discovered file's config comes from. */
  readonly line: number
}
