import { atom, computed } from 'nanostores'
import { readKey, writeKey } from '../lib/storage.ts'
import { en, zhCN, type Dictionary, type MessageKey } from './messages.ts'

export const LOCALES = ['en', 'zh-CN'] as const
export type Locale = (typeof LOCALES)[number]

/** What the switcher shows: each language in its own script. */
export const LOCALE_LABELS: Readonly<Record<Locale, string>> = { en: 'English', 'zh-CN': '简体中文' }

const DICTIONARIES: Readonly<Record<Locale, Dictionary>> = { en, 'zh-CN': zhCN }
const STORAGE_KEY = 'kefu.console.locale'

/**
 * The first language the browser prefers that we speak. Any Chinese (zh, zh-TW, zh-Hant-HK) gets
 * Simplified Chinese: a Traditional reader reads it far more easily than English.
 */
export function pickLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const lower = tag.toLowerCase()
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN'
    if (lower === 'en' || lower.startsWith('en-')) return 'en'
  }
  return 'en'
}

function isLocale(value: string | null): value is Locale {
  return (LOCALES as readonly (string | null)[]).includes(value)
}

function initialLocale(): Locale {
  const saved = readKey(STORAGE_KEY)
  if (isLocale(saved)) return saved
  return typeof navigator === 'undefined' ? 'en' : pickLocale(navigator.languages ?? [navigator.language])
}

export const $locale = atom<Locale>(initialLocale())

export function setLocale(locale: Locale): void {
  writeKey(STORAGE_KEY, locale)
  $locale.set(locale)
}

export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string

/** Builds `t` for a locale; `{name}` placeholders are filled from params, missing ones left as is. */
export function translator(locale: Locale): Translate {
  const dict = DICTIONARIES[locale]
  return (key, params) => {
    const text = dict[key]
    if (!params) return text
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name]
      return value === undefined ? whole : String(value)
    })
  }
}

export const $t = computed($locale, translator)
