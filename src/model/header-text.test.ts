import { describe, expect, it } from 'vitest'
import { displayTitle, sentenceCase } from './header-text.js'

describe('the title a reader sees', () => {
  it('reads a machine name in sentence case, abbreviations kept', () => {
    expect(displayTitle('REPORTING_PERIOD_START')).toBe('Reporting period start')
    expect(displayTitle('PCN_CODE')).toBe('PCN code')
    expect(displayTitle('prac_code')).toBe('Prac code')
    expect(displayTitle('TOTAL PATIENTS REGISTERED')).toBe('Total patients registered')
  })

  it('keeps a header a person wrote as it was published', () => {
    expect(displayTitle('Online Consultation Submissions')).toBe('Online Consultation Submissions')
    expect(displayTitle('Practice Code')).toBe('Practice Code')
    expect(displayTitle('GP FTE')).toBe('GP FTE')
    expect(displayTitle('ICB')).toBe('ICB')
    expect(displayTitle('December 2022 - Patients discharged > P0')).toBe(
      'December 2022 - Patients discharged > P0',
    )
  })

  it('is sentence case applied once: a title already shown is shown the same', () => {
    for (const header of ['REPORTING_PERIOD_START', 'MEASURE_NAME', 'ORG_CODE']) {
      const shown = displayTitle(header)
      expect(displayTitle(shown)).toBe(shown)
      expect(sentenceCase(shown)).toBe(shown)
    }
  })
})
