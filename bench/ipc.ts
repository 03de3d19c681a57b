import type { Summary } from './stats.ts'

/** Which server a run talks to: Kefu (auth, storage) or the bare `ws` relay (neither). */
export type TargetKind = 'kefu' | 'baseline'

/** Runner → load worker. Each command is answered with one `Reply` carrying the same `id`. */
export type Command =
  | { type: 'init'; worker: number; kind: TargetKind; base: string; localAddresses: string[] }
  /** Mints `count` visitor tokens over REST (Kefu) for `site`; none for the baseline. */
  | { type: 'mint'; group: Group; site: string; count: number; concurrency: number }
  /** Opens a socket per minted token (or `count` anonymous ones) and waits for every `welcome`. */
  | { type: 'connectVisitors'; group: Group; site: string; count: number; concurrency: number }
  | { type: 'connectAgents'; group: Group; token: string; count: number; concurrency: number }
  /** Closes the group's visitor sockets beyond the first `keep`, and its agent sockets too if `agents`. */
  | { type: 'trim'; group: Group; keep: number; agents: boolean }
  /** Every visitor of the group sends one message (creating its conversation); waits for the acks. */
  | { type: 'warmup'; group: Group; rate: number }
  /** Paced load between the group's visitors and agents; `agentShare` of messages go agent → visitor. */
  | { type: 'load'; group: Group; rate: number; durationMs: number; agentShare: number; drainMs: number; recordIds: boolean; expectClose: boolean }
  /** Fan-out: the first visitor of `group` sends `count` messages `intervalMs` apart. */
  | { type: 'fanSend'; group: Group; count: number; intervalMs: number }
  /** Fan-out receipts seen by this worker's sockets since the last collect. */
  | { type: 'fanCollect' }
  | { type: 'bytes' }
  | { type: 'exit' }

export type Group = 'main' | 'fan'

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }

export type ConnectResult = { connected: number; failed: number; ms: number; errors: string[] }
export type MintResult = { minted: number; failed: number; ms: number; errors: string[] }

export type FrameSizes = { send: number; ack: number; message: number }

export type LoadResult = {
  sent: number
  sentVisitor: number
  sentAgent: number
  acked: number
  delivered: number
  errors: number
  errorSamples: string[]
  closes: number
  elapsedMs: number
  /** Send → receipt on the other side (ms, one clock: this worker). */
  delivery: number[]
  /** For each of `delivery`: the second of the phase it was sent in. */
  deliverySecond: number[]
  /** Send → ack on the sending socket. */
  ack: number[]
  ids: string[]
  bytesRead: number
  bytesWritten: number
  frames: FrameSizes
  /** This worker's own CPU (ms) and event-loop delay p99 during the phase: the generator's share of the machine. */
  cpuMs: number
  loopP99: number
}

export type LoadSummary = Omit<LoadResult, 'delivery' | 'deliverySecond' | 'ack' | 'ids' | 'errorSamples' | 'loopP99'> & {
  rate: number
  achievedRate: number
  delivery: Summary
  /** Delivery p99 of each second of the phase, by the time of sending: is the tail spread out, or a few bursts? */
  secondsP99: number[]
  ack: Summary
  errorSamples: string[]
  generatorLoopP99: number
}

export type FanSendResult = { sent: { tag: string; at: number }[] }
export type FanCollectResult = { receipts: { tag: string; at: number }[] }
