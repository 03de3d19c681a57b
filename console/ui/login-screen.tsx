import { useStore } from '@nanostores/preact'
import { useState } from 'preact/hooks'
import type { Translate } from '../i18n/i18n.ts'
import { useT } from '../i18n/use-t.ts'
import { $login, login, type LoginError } from '../stores/session.ts'
import { Brand } from './brand.tsx'
import { LocaleSelect } from './locale-select.tsx'

function errorText(error: LoginError, t: Translate): string {
  switch (error.kind) {
    case 'credentials':
      return t('login.error.credentials')
    case 'rate-limited':
      return error.retryAfterSec ? t('login.error.rateLimited', { seconds: error.retryAfterSec }) : t('login.error.rateLimitedLater')
    case 'invalid':
      return t('login.error.invalid')
    case 'network':
      return t('login.error.network')
    case 'server':
      return t('login.error.server', { code: error.code })
  }
}

export function LoginScreen({ expired }: { expired: boolean }) {
  const t = useT()
  const { busy, error } = useStore($login)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')

  return (
    <main class="login">
      <div class="login-locale">
        <LocaleSelect />
      </div>
      <form
        class="login-card"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void login(email, password)
        }}
      >
        <Brand large />
        <h1 class="login-title">{t('login.title')}</h1>
        <p class="login-subtitle">{t('login.subtitle')}</p>
        {expired && !error ? <p class="notice">{t('login.expired')}</p> : null}
        <label class="field">
          <span class="field-label">{t('login.email')}</span>
          <input
            data-testid="login-email"
            type="email"
            name="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            aria-invalid={error?.kind === 'credentials' || error?.kind === 'invalid'}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">{t('login.password')}</span>
          <input
            data-testid="login-password"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            aria-invalid={error?.kind === 'credentials' || error?.kind === 'invalid'}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error ? (
          <p class="form-error" role="alert" data-testid="login-error" data-kind={error.kind}>
            {errorText(error, t)}
          </p>
        ) : null}
        <button data-testid="login-submit" class="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </main>
  )
}
