import WebSocket from 'ws'
import { PROTOCOL_VERSION, type ServerFrame } from '../protocol/index.ts'
import { agentToken } from './flows.ts'

/** An agent's real WebSocket from Node, for tests where the agent side is not what is being watched. */
export async function agentSocket(kefuUrl: string) {
  const token = await agentToken(kefuUrl)
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
