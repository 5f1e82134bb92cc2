export { type BuildOptions, buildSiteModel, plainTable } from './build-model.js'
export type {
  SiteColumn,
  SiteDriftEvent,
  SiteModel,
  SitePeriod,
  SitePublication,
  SiteSource,
} from './model.js'
export { type SiteWritten, type WriteSiteOptions, writeSite } from './write-site.js'
