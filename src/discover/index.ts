/** The discover stage: finds the files of new periods on landing pages and period pages (see discover.ts). */
export {
  type DiscoverDeps,
  type DiscoveryResult,
  discover,
  type FindingStatus,
  isSubPage,
  MAX_SUBPAGES,
  type PageRead,
  type PeriodFinding,
} from './discover.js'
export { extractLinks, type PageLink } from './links.js'
export {
  type Candidate,
  fileIdentity,
  globMatches,
  isDataFileName,
  linkFileName,
  matchCandidates,
  revisionRank,
  TIE_BREAK_RULES,
  uploadFolder,
  type Verdict,
} from './match.js'
