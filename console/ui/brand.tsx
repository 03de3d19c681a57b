import { useT } from '../i18n/use-t.ts'

export function Brand({ large = false }: { large?: boolean }) {
  const t = useT()
  return (
    <span class={large ? 'brand brand-large' : 'brand'}>
      <span class="brand-mark" aria-hidden="true">
        客
      </span>
      <span class="brand-text">
        <span class="brand-name">Kefu</span>
        <span class="brand-tagline">{t('app.tagline')}</span>
      </span>
    </span>
  )
}
