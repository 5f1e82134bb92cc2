import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { stringify } from 'yaml'

/**
 * A deployment of the old pipeline (DataWarp v2.x), generated: the shape of ../shared/legacy-v2.1 in a few
 * files, so migration tests run without that folder. Period-stamped manifests in production/, backfill/,
 * e2e_test/, test/ and archive/; drafts, enriched and canonical variants and LLM responses side by side;
 * backups, error dumps and prompts; the old config (landing pages, periods such as nov25); state/state.json;
 * output/ with a catalog; logs/.
 */

const ADHD_PAGE = 'https://digital.nhs.uk/data-and-information/publications/statistical/mi-adhd'
const PCN_PAGE =
  'https://digital.nhs.uk/data-and-information/publications/statistical/primary-care-network-workforce'
const WORKFORCE_PAGE =
  'https://digital.nhs.uk/data-and-information/publications/statistical/nhs-workforce-statistics'
const APPOINTMENTS_PAGE =
  'https://digital.nhs.uk/data-and-information/publications/statistical/appointments-in-general-practice'

export const OLD_CONFIG = `# DataWarp Publication Registry (old layout)
#
# Usage: python scripts/backfill.py

publications:

  adhd:
    name: "ADHD Management Information"
    frequency: quarterly
    landing_page: ${ADHD_PAGE}
    reference_manifest: manifests/production/adhd/adhd_aug25_enriched.yaml
    notes: "NHS publishes quarterly (May, Aug, Nov)."
    urls:
      - period: may25
        url: ${ADHD_PAGE}/may-2025
      - period: aug25
        url: ${ADHD_PAGE}/august-2025
      - period: nov25
        url: ${ADHD_PAGE}/november-2025
      - period: feb26
        url: ${ADHD_PAGE}/february-2026

  pcn_workforce:
    name: "Primary Care Network Workforce"
    frequency: monthly
    landing_page: ${PCN_PAGE}
    reference_manifest: null
    urls:
      - period: oct25
        url: ${PCN_PAGE}/31-october-2025
      - period: nov25
        url: https://files.digital.nhs.uk/AA/000001/PCNW%20November%202025%20-%20Bulletin%20tables.xlsx

  nhs_workforce:
    name: "NHS Workforce Statistics"
    frequency: monthly
    landing_page: ${WORKFORCE_PAGE}
    reference_manifest: null
    notes: |
      Different structure.
      Need to scrape landing page for specific file URLs.
    urls: []  # URLs must be scraped from landing page
`

interface OldColumn {
  original_name: string
  semantic_name?: string
  data_type: string
  description?: string
  is_dimension?: boolean
  is_measure?: boolean
}

interface OldSource {
  code: string
  name?: string
  description?: string
  table?: string
  enabled?: boolean
  files: { url: string; period?: string; sheet?: string; extract?: string; mode?: string; preview?: string }[]
  columns?: OldColumn[]
}

function oldManifest(sourceUrl: string, sources: OldSource[]): string {
  return stringify({
    manifest: {
      name: 'generated_20260108',
      description: `Generated from ${sourceUrl}`,
      created_at: '2026-01-08',
      source_url: sourceUrl,
      publication_context: { page_title: 'A page' },
    },
    sources: sources.map((s) => ({ table: `tbl_${s.code}`, enabled: true, ...s })),
  })
}

const dimension = (original_name: string, semantic_name: string, description?: string): OldColumn => ({
  original_name,
  semantic_name,
  data_type: 'varchar',
  is_dimension: true,
  is_measure: false,
  ...(description ? { description } : {}),
})
const measure = (original_name: string, semantic_name: string | undefined, data_type: string): OldColumn => ({
  original_name,
  ...(semantic_name ? { semantic_name } : {}),
  data_type,
  is_dimension: false,
  is_measure: true,
})

const summaryFile = (mon: string, yy: string, hash: string) =>
  `https://files.digital.nhs.uk/${hash}/ADHD_summary_${mon}${yy}.xlsx`
const dictionary: OldSource = {
  code: 'data_dictionary',
  name: 'Data Dictionary',
  description: 'Metadata/Dictionary (auto-disabled)',
  enabled: false,
  files: [
    { url: 'https://files.digital.nhs.uk/3E/8B4068/Data_dictionary_v1.2.xlsx', sheet: 'Data dictionary' },
  ],
}

/** The files of the deployment, by path. */
export function legacyFiles(): Record<string, string | Buffer> {
  const nov = oldManifest(`${ADHD_PAGE}/november-2025`, [
    {
      code: 'adhd_prevalence',
      name: 'Estimated ADHD prevalence',
      description: 'Estimated prevalence of ADHD, November release.',
      files: [
        { url: summaryFile('Nov', '25', '4A/C95F1C'), sheet: 'Table 1', period: '2025-11', mode: 'replace' },
      ],
      columns: [
        dimension('Age band', 'age_band', 'Age band of the patients.'),
        measure('Estimated prevalence', 'estimated_prevalence', 'integer'),
        measure('Rate %', 'Rate %', 'double precision'),
      ],
    },
    {
      code: 'adhd_waiting',
      name: 'People waiting for an assessment',
      files: [
        {
          url: 'https://files.digital.nhs.uk/02/F0E82B/ADHD_Nov25.zip',
          extract: 'ADHD_waiting_Nov25.csv',
          period: '2025-11',
          mode: 'append',
        },
        {
          url: 'https://files.digital.nhs.uk/02/F0E82B/ADHD_Nov25.zip',
          extract: 'ADHD_waiting_Oct25.csv',
          period: '2025-10',
          mode: 'append',
        },
      ],
      columns: [dimension('ICB', 'icb_code'), measure('Waiting', 'waiting_count', 'integer')],
    },
    {
      code: 'adhd_regions',
      name: 'Regions',
      files: [
        { url: 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25_north.csv' },
        { url: 'https://files.digital.nhs.uk/09/6D1142/ADHD_Nov25_south.csv' },
      ],
      columns: [dimension('Region', 'region'), measure('Value', 'value', 'NUMERIC')],
    },
    {
      code: 'adhd_no_columns',
      name: 'Described by no manifest',
      files: [{ url: summaryFile('Nov', '25', '4A/C95F1C'), sheet: 'Table 9' }],
    },
    dictionary,
  ])
  const aug = oldManifest(`${ADHD_PAGE}/august-2025`, [
    {
      code: 'adhd_prevalence_aug',
      name: 'Prevalence (August wording)',
      description: 'An older description that the November template replaces.',
      files: [{ url: summaryFile('Aug', '25', '64/EB6133'), sheet: 'Table 1' }],
      columns: [
        dimension('Age band', 'age_group'),
        measure('Estimated prevalence', 'estimated_prevalence', 'NUMERIC'),
        measure('Old measure [note 3]', 'old_measure', 'integer'),
      ],
    },
    {
      code: 'adhd_medication',
      name: 'Medication prescribed',
      files: [{ url: summaryFile('Aug', '25', '64/EB6133'), sheet: 'Table 8' }],
      columns: [dimension('Sex', 'sex'), measure('Patients', 'patients', 'bigint')],
    },
    dictionary,
  ])
  const may = oldManifest(`${ADHD_PAGE}/may-2025`, [
    {
      code: 'adhd_prevalence',
      files: [{ url: summaryFile('May', '25', 'A3/8EAC22'), sheet: 'Table 1' }],
      columns: [
        dimension('Age band', 'age_band'),
        measure('Estimated prevalence', 'estimated_prevalence', 'integer'),
      ],
    },
  ])
  const draft = (url: string) =>
    oldManifest(url, [
      {
        code: 'table_1',
        files: [
          {
            url: summaryFile('Nov', '25', '4A/C95F1C'),
            sheet: 'Table 1',
            preview: '"Age band", "Count"\n0-4, 12',
          },
        ],
      },
    ])
  const pcnOct = oldManifest(`${PCN_PAGE}/31-october-2025`, [
    {
      code: 'pcn_fte',
      name: 'PCN FTE',
      files: [
        {
          url: 'https://files.digital.nhs.uk/64/0E14D4/PCNW%20October%202025%20-%20Bulletin%20tables.xlsx',
          sheet: 'Table 2a',
        },
      ],
      columns: [
        dimension('Staff group', 'staff_group'),
        measure('FTE', 'fte', 'double precision'),
        measure('When', 'when_recorded', 'date'),
      ],
    },
  ])
  const appointments = oldManifest(`${APPOINTMENTS_PAGE}/november-2025`, [
    {
      code: 'appointments',
      files: [{ url: 'https://files.digital.nhs.uk/FD/90BA3E/Appointments_Nov_25.csv' }],
      columns: [measure('Count', 'count', 'integer')],
    },
  ])
  const state = {
    processed: {
      'adhd/nov25': {
        manifest: 'manifests/production/adhd/adhd_nov25_canonical.yaml',
        completed_at: '2026-01-08T23:33:54.068724',
        from_manifests: true,
      },
      'adhd/may25': { completed_at: '2026-01-11T17:01:34.247544', rows_loaded: 0 },
      'pcn/oct25': {
        manifest: 'manifests/archive/2026-01-08/pcn_oct25_enriched.yaml',
        completed_at: '2026-01-10T00:44:05.692802',
        from_manifests: true,
      },
      'test_adhd/aug25': {
        manifest: 'manifests/archive/2026-01-08/archive_test_files/test_adhd_aug25_canonical.yaml',
        completed_at: '2026-01-08T12:21:03.421860',
      },
      'gp_appointments/nov25': {
        manifest: 'manifests/production/gp_appointments/gp_appointments_nov25_enriched.yaml',
        completed_at: '2026-01-10T00:33:13.742097',
      },
    },
    failed: { 'adhd/feb26': { failed_at: '2026-01-11T16:45:14.792459', error: 'See output above' } },
    initialized_at: '2026-01-11T13:20:26.558571',
    initialized_from: 'manifests',
  }
  return {
    'README.md': '# The old deployment\n',
    'config/publications.yaml': OLD_CONFIG,
    'manifests/production/adhd/adhd_nov25_canonical.yaml': nov,
    'manifests/production/adhd/adhd_aug25_enriched.yaml': aug,
    'manifests/production/gp_appointments/gp_appointments_nov25_enriched.yaml': appointments,
    'manifests/backfill/adhd/adhd_may25.yaml': draft(`${ADHD_PAGE}/may-2025`),
    'manifests/backfill/adhd/adhd_may25_enriched.yaml': may,
    'manifests/backfill/adhd/adhd_may25_enriched_llm_response.json': '{"choices": []}\n',
    'manifests/test/adhd_nov25.yaml': draft(`${ADHD_PAGE}/november-2025`),
    'manifests/test/fiscal/baseline/adhd_aug25_enriched.yaml.bak': aug,
    'manifests/archive/2026-01-08/README.md': '# Archived on 2026-01-08\n',
    'manifests/archive/2026-01-08/adhd_nov25_enriched_v2.yaml': nov,
    'manifests/archive/2026-01-08/adhd_nov25_enriched_v2_error.txt': 'JSONDecodeError: Expecting value\n',
    'manifests/archive/2026-01-08/adhd_nov25_enriched_v2_json_prompt.txt': 'You are a data engineer...\n',
    'manifests/archive/2026-01-08/adhd_nov25_canonical_llm_response.json': '{}\n',
    'manifests/archive/2026-01-08/pcn_oct25.yaml': draft(`${PCN_PAGE}/31-october-2025`),
    'manifests/archive/2026-01-08/pcn_oct25_enriched.yaml': pcnOct,
    'manifests/archive/2026-01-08/archive_test_files/test_adhd_aug25_canonical.yaml': aug,
    'manifests/e2e_test/pcn_workforce/pcn_workforce_oct25_enriched_raw_llm_output.json': '{}\n',
    'state/state.json': `${JSON.stringify(state, null, 2)}\n`,
    'output/catalog.parquet': Buffer.from('PAR1 not really a parquet file PAR1'),
    'output/CATALOG_README.md': '# DataWarp Dataset Catalog\n',
    'logs/backfill_20260110.log': '2026-01-10 00:31:18 INFO processed gp_appointments/oct25\n',
  }
}

/** Writes the deployment under `root`; returns the paths written. */
export function writeLegacyDeployment(root: string): string[] {
  const files = legacyFiles()
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return Object.keys(files).sort()
}

/** Every file under a folder with its size and modification time: equal snapshots mean nothing changed. */
export function snapshot(root: string): Record<string, string> {
  const result: Record<string, string> = {}
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const key = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        result[`${key}/`] = 'dir'
        walk(path, key)
      } else {
        const stat = statSync(path)
        result[key] = `${stat.size} ${stat.mtimeMs}`
      }
    }
  }
  walk(root, '')
  return result
}
