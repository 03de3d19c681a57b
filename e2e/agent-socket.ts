import WebSocket from 'ws'
import { PROTOCOL_VERSION, type ServerFrame } from '../protocol/index.ts'
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './kefu-process.ts'

/** An agent's real WebSocket from Node, for tests where the agent side is not what is being watched. */
export async function agentSocket(kefuUrl: string) {
  const res = await fetch(`${kefuUrl}/api/agent/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  })
  const { token } = (await res.json()) as { token: string }
  const ws = new WebSocket(`${kefuUrl.replace('http', 'ws')}/ws`, {
    headers: { origin: kefuUrl, cookie: `kefu_session=${token}` },
  })
  const frames: ServerFrame[] = []
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ServerFrame))
  await new Promise((r, j) => {
    ws.once('open', r)
    ws.once('error', j)
  })
  ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION }))
  let n = 0
  return {
    frames,
    reply(conv: string, text: string) {
      ws.send(JSON.stringify({ type: 'send', id: `r${++n}`, conv, cid: `agent-${Date.now()}-${n}`, text }))
    },
    close: () => ws.close(),
  }
}
