import { randomBytes } from 'node:crypto'
import { hashPassword } from './auth/password.ts'
import { newSiteSecret, sealSecret } from './auth/secrets.ts'
import type { Deps } from './deps.ts'
import { DEMO_SITE_KEY } from './http/browser-routes.ts'

/** No greeting of its own: the widget then greets in the visitor's language. */
export const DEMO_SITE = { key: DEMO_SITE_KEY, name: 'Demo Shop', color: '#2563eb', greeting: null } as const

/**
 * First-start data: the admin agent (password from KEFU_ADMIN_PASSWORD, reset at every start when set;
 * else generated once and returned so it can be printed) and, with the demo on, the demo site.
 */
export async function seed(deps: Pick<Deps, 'store' | 'config' | 'keys' | 'clock'>): Promise<{ generatedAdminPassword: string | null }> {
  const { store, config, keys, clock } = deps
  let generatedAdminPassword: string | null = null
  let admin = await store.getAgentByEmail(config.adminEmail)
  if (!admin) {
    const password = config.adminPassword ?? (generatedAdminPassword = randomBytes(12).toString('base64url'))
    admin = await store.createAgent({ email: config.adminEmail, name: 'Admin', role: 'admin', passwordHash: await hashPassword(password) }, clock.now())
  } else if (config.adminPassword) {
    await store.setAgentPassword(admin.id, await hashPassword(config.adminPassword))
  }
  if (config.demo) {
    const origins = [new URL(config.publicUrl).origin, 'http://localhost:*', 'http://127.0.0.1:*']
    const site = await store.getSite(DEMO_SITE_KEY)
    if (!site) {
      await store.createSite({ ...DEMO_SITE, allowedOrigins: origins, secretEnc: sealSecret(keys.siteSecretKey, newSiteSecret()) }, clock.now())
    } else if (!site.allowedOrigins.includes(origins[0]!)) {
      await store.setSiteOrigins(DEMO_SITE_KEY, [...new Set([...site.allowedOrigins, ...origins])])
    }
    await store.addSiteAgent(DEMO_SITE_KEY, admin.id)
  }
  return { generatedAdminPassword }
}
