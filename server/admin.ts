import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as v from 'valibot'
import { SiteKeySchema } from '../protocol/index.ts'
import { hashPassword } from './auth/password.ts'
import { parseOriginEntry } from './auth/origins.ts'
import { deriveKeys, loadServerSecret, newSiteSecret, openSecret, sealSecret } from './auth/secrets.ts'
import { loadConfig } from './config.ts'
import { createSqliteStore } from './store/sqlite.ts'

export const USAGE = `Administer sites and agents in KEFU_DATA_DIR (works while the server runs; changes apply at once).

  npm run kefu -- site add KEY --name NAME [--origin ORIGIN]... [--color #RRGGBB] [--greeting TEXT]
  npm run kefu -- site show KEY             name, allowed origins and the identify secret
  npm run kefu -- site origins KEY ORIGIN... replace the origins allowed to embed the chat
  npm run kefu -- site rotate-secret KEY    new identify secret; tokens signed with the old one stop working
  npm run kefu -- agent add EMAIL --name NAME --password PASSWORD [--site KEY]... [--admin]

ORIGIN is https://shop.example.com, or with any port: http://localhost:*`

/** A mistake in the command line: printed with the usage, exit code 2, nothing changed. */
export class UsageError extends Error {}

function origins(list: string[]): string[] {
  return list.map((o) => parseOriginEntry(o) ?? fail(`not an origin: ${o}`))
}

function fail(message: string): never {
  throw new UsageError(message)
}

function siteKey(key: string | undefined): string {
  const parsed = v.safeParse(SiteKeySchema, key)
  return parsed.success ? parsed.output : fail(`bad site key "${key ?? ''}": lowercase letters, digits and dashes, at most 64`)
}

/** Runs one command and returns what to print; throws UsageError for a mistake in the command line. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      color: { type: 'string' },
      greeting: { type: 'string' },
      password: { type: 'string' },
      site: { type: 'string', multiple: true },
      admin: { type: 'boolean' },
    },
  })
  const [noun, verb, subject, ...rest] = positionals
  const config = loadConfig(env)
  const file = join(config.dataDir, 'kefu.db')
  if (!existsSync(file)) fail(`no Kefu database at ${file}: start Kefu once (npm start), or set KEFU_DATA_DIR`)
  const keys = deriveKeys(loadServerSecret(config.dataDir, config.secret))
  const store = createSqliteStore({ filename: file, sync: config.sqliteSync })
  const now = Date.now()
  try {
    const existing = async (key: string) => (await store.getSite(siteKey(key))) ?? fail(`no site ${key}`)
    switch (`${noun} ${verb}`) {
      case 'site add': {
        const key = siteKey(subject)
        if (await store.getSite(key)) fail(`site ${key} exists`)
        const color = values.color ?? '#2563eb'
        if (!/^#[0-9a-f]{6}$/i.test(color)) fail('--color takes #RRGGBB')
        const secret = newSiteSecret()
        await store.createSite(
          { key, name: values.name ?? fail('--name is required'), color, greeting: values.greeting ?? null, allowedOrigins: origins(values.origin ?? []), secretEnc: sealSecret(keys.siteSecretKey, secret) },
          now,
        )
        return `site ${key} created\nidentify secret: ${secret}\nembed: <script src="${config.publicUrl}/widget.js" data-site="${key}" async></script>`
      }
      case 'site show': {
        const site = await existing(subject!)
        return `site ${site.key}: ${site.name}\norigins: ${site.allowedOrigins.join(' ') || '(none: only Kefu itself)'}\nidentify secret: ${openSecret(keys.siteSecretKey, site.secretEnc)}`
      }
      case 'site origins': {
        const site = await existing(subject!)
        await store.setSiteOrigins(site.key, origins(rest))
        return `site ${site.key} origins: ${rest.join(' ') || '(none)'}`
      }
      case 'site rotate-secret': {
        const site = await existing(subject!)
        const secret = newSiteSecret()
        await store.setSiteSecret(site.key, sealSecret(keys.siteSecretKey, secret))
        return `site ${site.key} identify secret: ${secret}`
      }
      case 'agent add': {
        const email = subject?.trim().toLowerCase() ?? fail('agent add EMAIL')
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) fail(`not an email: ${email}`)
        if (await store.getAgentByEmail(email)) fail(`agent ${email} exists`)
        const password = values.password ?? fail('--password is required')
        if (password.length < 8) fail('--password needs at least 8 characters')
        const sites = values.site ?? []
        for (const key of sites) await existing(key)
        const agent = await store.createAgent(
          { email, name: values.name ?? email.split('@')[0]!, role: values.admin ? 'admin' : 'agent', passwordHash: await hashPassword(password) },
          now,
        )
        for (const key of sites) await store.addSiteAgent(key, agent.id)
        return `agent ${email} created${sites.length ? ` for ${sites.join(', ')}` : ''}`
      }
      default:
        return fail(noun ? `unknown command: ${positionals.join(' ')}` : 'no command')
    }
  } finally {
    await store.close()
  }
}
