import { useStore } from '@nanostores/preact'
import { $locale, LOCALE_LABELS, LOCALES, setLocale, type Locale } from '../i18n/i18n.ts'
import { useT } from '../i18n/use-t.ts'

export function LocaleSelect() {
  const locale = useStore($locale)
  const t = useT()
  return (
    <label class="locale">
      <span class="visually-hidden">{t('header.language')}</span>
      <svg class="locale-icon" viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
        <path
          fill="currentColor"
          d="M10 1.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17Zm5.9 7.75h-2.7a13 13 0 0 0-1.1-5.1 7 7 0 0 1 3.8 5.1ZM10 3.1c.8 1 1.6 3 1.7 6.15H8.3C8.4 6.1 9.2 4.1 10 3.1Zm-2.1 1.05a13 13 0 0 0-1.1 5.1H4.1a7 7 0 0 1 3.8-5.1Zm-3.8 6.6h2.7a13 13 0 0 0 1.1 5.1 7 7 0 0 1-3.8-5.1Zm5.9 6.15c-.8-1-1.6-3-1.7-6.15h3.4c-.1 3.15-.9 5.15-1.7 6.15Zm2.1-1.05a13 13 0 0 0 1.1-5.1h2.7a7 7 0 0 1-3.8 5.1Z"
        />
      </svg>
      <select data-testid="locale" value={locale} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {LOCALE_LABELS[l]}
          </option>
        ))}
      </select>
    </label>
  )
}
