import { useStore } from '@nanostores/preact'
import { $locale, $t, type Translate } from './i18n.ts'

/** The current `t`; components re-render when the locale changes. */
export function useT(): Translate {
  return useStore($t)
}

export function useLocale(): string {
  return useStore($locale)
}
