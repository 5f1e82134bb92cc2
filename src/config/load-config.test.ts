import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigFileSchema, defaultCanonicalManifestPath, SNAKE_CODE } from '../model/config.js'
import { ConfigError, formatProblem, loadConfig } from './load-config.js'

let dir: string
let counter = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'datawarp-config-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Writes the lines as a YAML file (line 1 is the first element) and returns its path. */
function configFile(...lines: string[]): string {
  const file = join(dir, `publications-${++counter}.yaml`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function configError(file: string): ConfigError {
  try {
    loadConfig(file)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig: a valid file', () => {
  it('reads publications with their urls, defaults and the folder paths are relative to', () => {
    const file = configFile(
      '# The publications DataWarp loads',
      'publications:',
      '  online_consultation:',
      '    name: Online Consultation Submissions',
      '    description: Submissions via online consultation systems',
      '    urls:',
      '      - period: 2024-05',
      '        url: https://example.org/oc-may-2024.xlsx',
      '      - period: FY2024-25',
      '        url: files/oc.csv',
    )
    const config = loadConfig(file)
    expect(config.file).toBe(file)
    expect(config.baseDir).toBe(dir)
    expect(config.problems).toEqual([])
    expect(config.publications).toEqual([
      {
        code: 'online_consultation',
        name: 'Online Consultation Submissions',
        description: 'Submissions via online consultation systems',
        canonicalManifest: 'manifests/canonical/online_consultation/online_consultation_canonical.yaml',
        contract: 'hold',
        urls: [
          { period: '2024-05', url: 'https://example.org/oc-may-2024.xlsx', line: 7 },
          { period: 'FY2024-25', url: 'files/oc.csv', line: 9 },
        ],
      },
    ])
  })

  it('fills every setting with its default when settings are left out', () => {
    const config = loadConfig(configFile('publications: {}'))
    expect(config.settings).toEqual({
      contract: 'hold',
      retention: { logs_days: 7, artifact_days: 7, cleanup_after_run: true },
      fetch: { timeout_seconds: 300, retries: 3, max_bytes: 2 * 1024 ** 3 },
      allowed_folders: [],
      site: { publish: false, include_exports: false },
    })
    expect(config.publications).toEqual([])
  })

  it('keeps the settings given and defaults the rest', () => {
    const config = loadConfig(configFile('settings:', '  fetch:', '    retries: 5', 'publications: {}'))
    expect(config.settings.fetch).toEqual({
      timeout_seconds: 300,
      retries: 5,
      max_bytes: 2 * 1024 ** 3,
    })
    expect(config.settings.retention).toEqual({ logs_days: 7, artifact_days: 7, cleanup_after_run: true })
    expect(config.settings.contract).toBe('hold')
  })

  it('a publication takes settings.contract unless it sets its own', () => {
    const config = loadConfig(
      configFile(
        'settings:',
        '  contract: evolve',
        'publications:',
        '  gp:',
        '    name: GP',
        '  pcn:',
        '    name: PCN',
        '    contract: freeze',
        '  oc:',
        '    name: OC',
        '    contract: hold',
      ),
    )
    expect(config.settings.contract).toBe('evolve')
    expect(config.publications.map((p) => [p.code, p.contract])).toEqual([
      ['gp', 'evolve'],
      ['pcn', 'freeze'],
      ['oc', 'hold'],
    ])
  })

  it('reads a numeric year period such as 2024 as the text "2024"', () => {
    const config = loadConfig(
      configFile(
        'publications:',
        '  gp:',
        '    name: GP',
        '    urls:',
        '      - period: 2024',
        '        url: a.csv',
      ),
    )
    expect(config.publications[0]!.urls).toEqual([{ period: '2024', url: 'a.csv', line: 5 }])
  })

  it('a publication without urls has an empty list', () => {
    const config = loadConfig(configFile('publications:', '  gp:', '    name: GP'))
    expect(config.publications[0]!.urls).toEqual([])
  })

  it('a canonical_manifest path in config replaces the default one', () => {
    const config = loadConfig(
      configFile('publications:', '  gp:', '    name: GP', '    canonical_manifest: manifests/gp.yaml'),
    )
    expect(config.publications[0]!.canonicalManifest).toBe('manifests/gp.yaml')
  })

  it('the default canonical manifest path is derived from the code', () => {
    expect(defaultCanonicalManifestPath('pcn')).toBe('manifests/canonical/pcn/pcn_canonical.yaml')
  })
})

describe('loadConfig: a broken file throws ConfigError', () => {
  it('a YAML syntax error names the line it is on', () => {
    const file = configFile(
      'publications:',
      '  gp:',
      '    name: GP',
      '    urls:',
      '      - period: 2024-05',
      '       url: x.csv',
    )
    const error = configError(file)
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]).toMatchObject({ file, line: 6, field: '' })
    expect(error.message).toBe(`${file}:6: ${error.problems[0]!.message}`)
  })

  it('a duplicated key is reported at the second occurrence', () => {
    const file = configFile('publications:', '  gp:', '    name: A', '  gp:', '    name: B')
    expect(configError(file).problems).toEqual([
      { file, line: 4, field: '', message: 'Map keys must be unique' },
    ])
  })

  it('an unknown top-level key is named with its line', () => {
    const file = configFile('publications:', '  gp:', '    name: GP', 'extras:', '  colour: blue')
    expect(configError(file).problems).toEqual([
      { file, line: 4, field: 'extras', message: 'Unrecognized key: "extras"' },
    ])
  })

  it('a setting out of range is named by its path and line', () => {
    const file = configFile('settings:', '  fetch:', '    retries: 20', 'publications: {}')
    const [problem] = configError(file).problems
    expect(problem).toMatchObject({ file, line: 3, field: 'settings.fetch.retries' })
    expect(problem!.publication).toBeUndefined()
  })

  it('an unknown settings.contract is named by its path and line', () => {
    const file = configFile('settings:', '  contract: loose', 'publications: {}')
    const [problem] = configError(file).problems
    expect(problem).toMatchObject({ file, line: 2, field: 'settings.contract' })
    expect(problem!.message).toMatch(/"hold"\|"evolve"\|"freeze"/)
  })

  it('a file without publications is an error about the publications field', () => {
    const file = configFile('settings: {}')
    expect(configError(file).problems).toMatchObject([{ file, line: 1, field: 'publications' }])
  })

  it('a missing file is an error at line 0 that says it cannot be read', () => {
    const file = join(dir, 'does-not-exist.yaml')
    const [problem] = configError(file).problems
    expect(problem).toMatchObject({ file, line: 0, field: '' })
    expect(problem!.message).toMatch(/^cannot read: ENOENT/)
  })
})

describe('loadConfig: a broken publication is a problem of that publication only', () => {
  const lines = [
    'publications:', // 1
    '  good_one:', // 2
    '    name: Good', // 3
    '    urls:', // 4
    '      - period: 2024-05', // 5
    '        url: a.csv', // 6
    '  nameless:', // 7
    '    description: no name here', // 8
    '  bad_period:', // 9
    '    name: Bad period', // 10
    '    urls:', // 11
    '      - period: 2024-05', // 12
    '        url: a.csv', // 13
    '      - period: nov25', // 14
    '        url: b.csv', // 15
    '  with_unknown_field:', // 16
    '    name: Unknown field', // 17
    '    colour: blue', // 18
    '  BadCode:', // 19
    '    name: Camel', // 20
    '  wrong_fy:', // 21
    '    name: Wrong FY', // 22
    '    urls:', // 23
    '      - period: FY2024-26', // 24
    '        url: c.csv', // 25
    '  url_extra:', // 26
    '    name: Url extra', // 27
    '    urls:', // 28
    '      - period: 2024', // 29
    '        url: d.csv', // 30
    '        note: hi', // 31
    '  also_good:', // 32
    '    name: Also good', // 33
  ]
  const load = () => {
    const file = configFile(...lines)
    return { file, config: loadConfig(file) }
  }

  it('an unknown contract is a problem of its publication, at its line', () => {
    const file = configFile(
      'publications:',
      '  strict:',
      '    name: Strict',
      '    contract: frozen',
      '  fine:',
      '    name: Fine',
    )
    const config = loadConfig(file)
    expect(config.publications.map((p) => p.code)).toEqual(['fine'])
    expect(config.problems).toMatchObject([
      { file, line: 4, field: 'publications.strict.contract', publication: 'strict' },
    ])
  })

  it('the other publications still load, in file order', () => {
    const { config } = load()
    expect(config.publications.map((p) => p.code)).toEqual(['good_one', 'also_good'])
    expect(config.publications[0]!.urls).toEqual([{ period: '2024-05', url: 'a.csv', line: 5 }])
  })

  it('a missing name points at the publication and names the field', () => {
    const { file, config } = load()
    expect(config.problems.filter((p) => p.publication === 'nameless')).toEqual([
      {
        file,
        line: 8,
        field: 'publications.nameless.name',
        message: 'Invalid input: expected string, received undefined',
        publication: 'nameless',
      },
    ])
  })

  it('a bad period points at its own line, states the grammar, and leaves the good url unreported', () => {
    const { file, config } = load()
    expect(config.problems.filter((p) => p.publication === 'bad_period')).toEqual([
      {
        file,
        line: 14,
        field: 'publications.bad_period.urls.1.period',
        message:
          '"nov25" is not a period; expected YYYY-MM (2025-11), YYYY-Qn (2025-Q3), FYYYYY-YY (FY2024-25) or YYYY (2024)',
        publication: 'bad_period',
      },
    ])
  })

  it('an unknown field is named with its own line and path', () => {
    const { file, config } = load()
    expect(config.problems.filter((p) => p.publication === 'with_unknown_field')).toEqual([
      {
        file,
        line: 18,
        field: 'publications.with_unknown_field.colour',
        message: 'Unrecognized key: "colour"',
        publication: 'with_unknown_field',
      },
    ])
  })

  it('an unknown field inside a url entry is named with its line and path', () => {
    const { config } = load()
    expect(config.problems.filter((p) => p.publication === 'url_extra')).toMatchObject([
      { line: 31, field: 'publications.url_extra.urls.0.note', message: 'Unrecognized key: "note"' },
    ])
  })

  it('a code that is not snake_case is a problem at the line of the code', () => {
    const { file, config } = load()
    expect(config.problems.filter((p) => p.publication === 'BadCode')).toEqual([
      {
        file,
        line: 19,
        field: 'publications.BadCode',
        message:
          'publication code "BadCode" must be snake_case (a-z, 0-9, single underscores), at most 63 characters',
        publication: 'BadCode',
      },
    ])
  })

  it('a financial year whose years do not follow is a problem naming the right pair', () => {
    const { config } = load()
    expect(config.problems.filter((p) => p.publication === 'wrong_fy')).toMatchObject([
      {
        line: 24,
        field: 'publications.wrong_fy.urls.0.period',
        message: '"FY2024-26" is not a financial year: FY2024-25 follows FY2024',
      },
    ])
  })

  it('every problem belongs to a publication and formats as file:line: field: message', () => {
    const { file, config } = load()
    expect(config.problems).toHaveLength(6)
    expect(config.problems.every((p) => p.publication !== undefined)).toBe(true)
    expect(formatProblem(config.problems.find((p) => p.publication === 'with_unknown_field')!)).toBe(
      `${file}:18: publications.with_unknown_field.colour: Unrecognized key: "colour"`,
    )
  })

  it.each(['double__underscore', 'trailing_', '_leading', '9lives', 'kebab-case', 'x'.repeat(64)])(
    'the code %s is not accepted',
    (code) => {
      const config = loadConfig(configFile('publications:', `  ${code}:`, '    name: X'))
      expect(config.publications).toEqual([])
      expect(config.problems).toMatchObject([{ line: 2, field: `publications.${code}`, publication: code }])
    },
  )

  it('a 63-character snake_case code is accepted', () => {
    const code = `a${'b'.repeat(62)}`
    const config = loadConfig(configFile('publications:', `  ${code}:`, '    name: X'))
    expect(config.problems).toEqual([])
    expect(config.publications.map((p) => p.code)).toEqual([code])
  })
})

describe('the config schema', () => {
  it('SNAKE_CODE takes lower-case words of letters and digits joined by single underscores', () => {
    expect(['gp', 'gp_2024', 'a1_b2_c3'].every((c) => SNAKE_CODE.test(c))).toBe(true)
    expect(['Gp', 'gp__x', 'gp_', '_gp', '1gp', 'gp-x', ''].some((c) => SNAKE_CODE.test(c))).toBe(false)
  })

  it('the whole-file schema (for editors) rejects a non-snake_case code', () => {
    expect(ConfigFileSchema.safeParse({ publications: { gp: { name: 'GP' } } }).success).toBe(true)
    expect(ConfigFileSchema.safeParse({ publications: { GP: { name: 'GP' } } }).success).toBe(false)
  })
})

describe('loadConfig: paths stay inside the project root', () => {
  /** A project folder with config/publications.yaml holding the lines. */
  function projectConfig(...lines: string[]): { root: string; file: string } {
    const root = join(dir, `project-${++counter}`)
    mkdirSync(join(root, 'config'), { recursive: true })
    const file = join(root, 'config', 'publications.yaml')
    writeFileSync(file, `${lines.join('\n')}\n`)
    return { root, file }
  }

  it('refuses a canonical_manifest, a local path or a file:// URL outside the root, naming the line', () => {
    const { root, file } = projectConfig(
      'publications:',
      '  escape:',
      '    name: Escape',
      '    canonical_manifest: ../../../../tmp/x.yaml',
      '  passwd:',
      '    name: Passwd',
      '    urls:',
      '      - { period: 2024-01, url: /etc/passwd }',
      '      - { period: 2024-02, url: "file:///proc/self/environ" }',
      '      - { period: 2024-03, url: ../../outside.csv }',
      '  fine:',
      '    name: Fine',
      '    urls:',
      '      - { period: 2024-01, url: ../data/inside.csv }',
    )
    const config = loadConfig(file, { root })
    expect(config.publications.map((p) => p.code)).toEqual(['fine'])
    const problems = config.problems.map(formatProblem)
    expect(problems).toEqual([
      expect.stringMatching(/:4: publications\.escape\.canonical_manifest: .*outside the project root/),
      expect.stringMatching(
        /:8: publications\.passwd\.urls\.0\.url: \/etc\/passwd is outside the project root/,
      ),
      expect.stringMatching(/:9: publications\.passwd\.urls\.1\.url: .*outside the project root/),
      expect.stringMatching(/:10: publications\.passwd\.urls\.2\.url: .*outside the project root/),
    ])
    expect(config.localRoots).toEqual([root])
  })

  it('allows the folders settings.allowed_folders names, relative to the root, for files and manifests', () => {
    const { root, file } = projectConfig(
      'settings:',
      '  allowed_folders: [../shared-files]',
      'publications:',
      '  shared:',
      '    name: Shared',
      '    urls:',
      '      - { period: 2024-01, url: ../../shared-files/a.csv }',
      '    canonical_manifest: ../shared-files/shared.yaml',
    )
    const config = loadConfig(file, { root })
    expect(config.problems).toEqual([])
    expect(config.localRoots).toEqual([root, join(dir, 'shared-files')])
  })
})

describe('loadConfig: a YAML alias bomb', () => {
  it('is refused with the file and a line, not expanded', () => {
    const file = configFile(
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'publications:',
      '  x:',
      '    name: X',
      '    description: *d',
    )
    const error = configError(file)
    expect(formatProblem(error.problems[0]!)).toMatch(new RegExp(`^${file}:\\d+: .*alias`))
    expect(error.problems[0]!.line).toBeGreaterThan(0)
  })
})
