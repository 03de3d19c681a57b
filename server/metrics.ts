import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type Metrics = {
  registry: Registry
  sockets: Gauge<'role'>
  messagesStored: Counter
  ackLatency: Histogram
  framesRejected: Counter<'code'>
  botTurns: Counter<'variant'>
  botHandoffs: Counter<'reason'>
}

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaults) collectDefaultMetrics({ register: registry, prefix: 'kefu_' })
  return {
    registry,
    sockets: new Gauge({ name: 'kefu_sockets', help: 'Connected WebSockets by role', labelNames: ['role'], registers: [registry] }),
    messagesStored: new Counter({ name: 'kefu_messages_stored_total', help: 'Messages committed', registers: [registry] }),
    ackLatency: new Histogram({
      name: 'kefu_ack_latency_seconds',
      help: 'From a send frame received to its ack sent (includes the group commit)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    framesRejected: new Counter({ name: 'kefu_frames_rejected_total', help: 'Inbound frames answered with an error, by code', labelNames: ['code'], registers: [registry] }),
    botTurns: new Counter({ name: 'kefu_bot_turns_total', help: 'Visitor messages the bot handled, by script variant', labelNames: ['variant'], registers: [registry] }),
    botHandoffs: new Counter({ name: 'kefu_bot_handoffs_total', help: 'Hand-offs from the bot to a person, by reason', labelNames: ['reason'], registers: [registry] }),
  }
}
