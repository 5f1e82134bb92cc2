import { describe, expect, it } from 'vitest'
import { describeFields } from './source-export.js'

describe('the columns the catalog and datapackage.json describe', () => {
  it('a machine-written header reads in sentence case, the header as published kept beside it', () => {
    expect(
      describeFields([
        { name: 'reporting_period_start', title: 'REPORTING_PERIOD_START', type: 'date' },
        { name: 'practice_code', title: 'Practice Code', type: 'string', description: 'ODS code' },
      ]),
    ).toEqual([
      {
        name: 'reporting_period_start',
        title: 'Reporting period start',
        header: 'REPORTING_PERIOD_START',
        type: 'date',
        description: null,
        descriptionSource: null,
      },
      {
        name: 'practice_code',
        title: 'Practice Code',
        type: 'string',
        description: 'ODS code',
        descriptionSource: 'reviewer',
      },
    ])
  })
})
