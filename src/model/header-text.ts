/** Header texts as people read them: footnote markers, sentence case, and the title shown to readers. */

/**
 * Footnote markers such as "[1]", "[2, 3]", "[7. 11]", "[note 4]" and superscript digits: kept in titles,
 * not in names.
 */
export const FOOTNOTE_MARKER =
  /\s*\[\s*(?:notes?\s*)?\d+(?:\s*(?:[,.;&]|and)\s*\d+)*\s*\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+/gi

/** Abbreviations kept upper-case in sentence case, in the form they are written. */
const ACRONYMS = new Map(
  [
    'NHS',
    'GP',
    'GPs',
    'PCN',
    'PCNs',
    'ICB',
    'ICBs',
    'ICS',
    'FTE',
    'ID',
    'IDs',
    'ODS',
    'CCG',
    'CCGs',
    'STP',
    'ONS',
    'UK',
    'A&E',
    'ECR',
    'GPMS',
    'RTT',
    'MHSDS',
    'ADHD',
    'DNA',
    'QOF',
    'LSOA',
    'CQC',
    'NWRS',
    'ARRS',
    'GMS',
    'PMS',
    'APMS',
    'HC',
    'OC',
    'ICD',
    'SNOMED',
    'NICE',
    'IAPT',
    'ECDS',
    'HES',
    'AHP',
    'AHPs',
    'NB',
    'HCHS',
    'PSTN',
    'IVR',
  ].map((a) => [a.toUpperCase(), a]),
)

/** Names that keep their capital in sentence case: nations, months, days. */
const PROPER =
  /^(?:england|english|wales|welsh|scotland|scottish|ireland|irish|britain|british|london|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$/i

/**
 * A header as a person would write it as a title: words split on underscores, lower case but for the first
 * letter, abbreviations kept (`REPORTING_PERIOD_START` → "Reporting period start", `PCN_CODE` → "PCN code",
 * "Total GP Registered Patients" → "Total GP registered patients"). Footnote markers are left out.
 */
export function sentenceCase(header: string): string {
  const text = cleanHeader(header.replace(/_+/g, ' ')).replace(/\s+,/g, ',')
  // Capitals throughout, over two words or more (REPORTING_PERIOD_START): a name in capitals, not acronyms.
  const shouting = !/[a-z]/.test(text) && (text.match(/[A-Z]{2,}/g) ?? []).length >= 2
  const words = text.split(' ').map((word) => {
    const known = ACRONYMS.get(word.replace(/[^A-Za-z&]/g, '').toUpperCase())
    if (known !== undefined && /[A-Za-z]/.test(word)) return word.replace(/[A-Za-z&]+/, known)
    // Written mixed-case, an all-capital word or one with a capital inside ("CSV", "McCann") is kept as written.
    if (!shouting && (/^[^a-z]*[A-Z][^a-z]*[A-Z]/.test(word) || /^.[a-z]*[A-Z]/.test(word))) return word
    const lower = word.toLowerCase()
    return PROPER.test(word) ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower
  })
  const joined = words.join(' ')
  return joined.charAt(0).toUpperCase() + joined.slice(1)
}

/** The header without footnote markers, the labels of a multi-row header joined with ", ", spaces collapsed. */
export function cleanHeader(header: string): string {
  return header
    .replace(new RegExp(FOOTNOTE_MARKER.source, 'gi'), ' ')
    .replace(/ > /g, ', ')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * The title a reader sees for a column: the header as published, unless the publisher wrote a machine name
 * (`REPORTING_PERIOD_START`, `prac_code`: underscores and no spaces, or capitals throughout over two words or more),
 * which reads in sentence case ("Reporting period start"). The manifest keeps the header as published.
 */
export function displayTitle(header: string): string {
  const machine =
    (/_/.test(header) && !/\s/.test(header.trim())) ||
    (!/[a-z]/.test(header) && (header.match(/[A-Z]{2,}/g) ?? []).length >= 2)
  return machine ? sentenceCase(header) || header : header
}
