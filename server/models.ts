import type { Site, Visitor } from '../protocol/index.ts'
import type { SiteRecord, VisitorRecord } from './store/store.ts'

/** Store records → the public shapes of protocol/models.ts (nothing secret leaves). */
export const publicSite = (s: SiteRecord): Site => ({ key: s.key, name: s.name, color: s.color, greeting: s.greeting })
export const publicVisitor = (v: VisitorRecord): Visitor => ({
  id: v.id, site: v.site, userId: v.userId, name: v.name, email: v.email, attributes: v.attributes,
})
