import type { FrameLocator, Page } from 'playwright-core'
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './kefu-process.ts'

/** What a person does, step by step, shared by the browser tests. */

export function chatFrame(page: Page): FrameLocator {
  return page.frameLocator('[data-testid=kefu-frame]')
}

export async function agentLogin(page: Page, kefuUrl: string): Promise<void> {
  await page.goto(`${kefuUrl}/console`)
  await page.getByTestId('login-email').fill(ADMIN_EMAIL)
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD)
  await page.getByTestId('login-submit').click()
}

/** Types into a composer and presses Enter, as a person does. */
export async function typeAndSend(composer: ReturnType<Page['getByTestId']>, text: string): Promise<void> {
  await composer.click()
  await composer.fill(text)
  await composer.press('Enter')
}

/** Goes to a page that embeds Kefu and opens the chat from the launcher, as a visitor does. */
export async function openWidget(page: Page, url: string): Promise<FrameLocator> {
  await page.goto(url)
  await page.getByTestId('kefu-launcher').click()
  return chatFrame(page)
}

/** The visitor sends `text` and waits until the server has acked it ("delivered"). */
export async function visitorSends(chat: FrameLocator, text: string): Promise<void> {
  await typeAndSend(chat.getByTestId('composer'), text)
  await visitorMessage(chat, text, 'delivered').waitFor()
}

export function visitorMessage(frame: FrameLocator, text: string, status?: string) {
  const base = frame.locator(`[data-testid=message][data-sender=visitor]${status ? `[data-status=${status}]` : ''}`)
  return base.filter({ hasText: text })
}

/** Agent-side REST as a support tool would use it, for checking what the store holds. */
export async function agentToken(kefuUrl: string): Promise<string> {
  const res = await fetch(`${kefuUrl}/api/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  })
  if (!res.ok) throw new Error(`login failed: ${res.status}`)
  return ((await res.json()) as { token: string }).token
}

export async function agentApi(kefuUrl: string) {
  const token = await agentToken(kefuUrl)
  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${kefuUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
    if (!r.ok) throw new Error(`${path}: ${r.status}`)
    return (await r.json()) as T
  }
  return {
    conversations: (status = 'open') =>
      get<{ conversations: { id: string; visitorId: string; status: string }[] }>(`/api/conversations?status=${status}`),
    messages: (conv: string) =>
      get<{ messages: { seq: number; text: string; sender: string; cid: string }[] }>(`/api/conversations/${conv}/messages?limit=200`),
    conversation: (conv: string) =>
      get<{ visitor: { userId: string | null; name: string | null; attributes: Record<string, unknown> } }>(`/api/conversations/${conv}`),
  }
}
