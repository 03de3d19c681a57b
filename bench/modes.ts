/** How big each scenario is in each mode. Rates are messages per second over the whole generator. */
export type Params = {
  /** Load-generator processes; each holds at most a few thousand sockets (20,000 open files per process here). */
  workers: number
  /** Loopback source addresses per worker (127.0.0.2, 127.0.0.3, ...), so no one address runs out of ports. */
  addressesPerWorker: number
  idle: { visitors: number }
  fanout: { receivers: number; messages: number; intervalMs: number }
  latency: { visitors: number; rate: number; durationMs: number; warmupRate: number }
  /**
   * Steps tried in order with `visitors` connected, until two in a row fail; the figure is the highest
   * rate whose p99 stayed within `p99Ms` with nothing lost. They start low enough that both targets pass
   * a first step here (a first step above a target's limit gives no figure at all, and so no ratio).
   */
  throughput: { rates: number[]; stepMs: number; p99Ms: number }
  /** Share of messages sent agent → visitor (the rest visitor → agent). */
  agentShare: number
  /** How long a phase waits after its last send for acks and deliveries still on their way. */
  drainMs: number
  /** Pause between phases so one phase's tail does not bleed into the next. */
  settleMs: number
  /** Kefu only: load at the latency rate, `kill -9` halfway, then every acked id is looked up in the file. */
  killBurstMs: number
}

export type Mode = 'smoke' | 'quick' | 'full'

export const MODES: Record<Mode, Params> = {
  smoke: {
    workers: 2,
    addressesPerWorker: 1,
    idle: { visitors: 300 },
    fanout: { receivers: 100, messages: 5, intervalMs: 100 },
    latency: { visitors: 200, rate: 200, durationMs: 1500, warmupRate: 500 },
    throughput: { rates: [200, 400], stepMs: 1000, p99Ms: 35 },
    agentShare: 0.5,
    drainMs: 1000,
    settleMs: 200,
    killBurstMs: 1000,
  },
  quick: {
    workers: 4,
    addressesPerWorker: 1,
    idle: { visitors: 4000 },
    fanout: { receivers: 1000, messages: 10, intervalMs: 200 },
    latency: { visitors: 2000, rate: 2000, durationMs: 5000, warmupRate: 2000 },
    throughput: { rates: [1000, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000], stepMs: 3000, p99Ms: 35 },
    agentShare: 0.5,
    drainMs: 3000,
    settleMs: 1000,
    killBurstMs: 2000,
  },
  full: {
    workers: 4,
    addressesPerWorker: 2,
    idle: { visitors: 18000 },
    fanout: { receivers: 5000, messages: 20, intervalMs: 500 },
    latency: { visitors: 10000, rate: 5000, durationMs: 20000, warmupRate: 2500 },
    throughput: { rates: [1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 25000], stepMs: 10000, p99Ms: 35 },
    agentShare: 0.5,
    drainMs: 15000,
    settleMs: 3000,
    killBurstMs: 4000,
  },
}
