import { createHash } from 'node:crypto'
import { CloseCode, type ServerFrame } from '../../protocol/index.ts'
import { SERVER_LIMITS } from '../config.ts'

/** What the hub needs of a socket; `ws` sockets fit, and so do test fakes. */
export interface HubSocket {
  send(data: string): void
  readonly bufferedAmount: number
  close(code: number, reason: string): void
}

export type BroadcastOptions = { ephemeral?: boolean; except?: HubSocket }

export type Hub = {
  join(room: string, socket: HubSocket): void
  leave(room: string, socket: HubSocket): void
  leaveAll(socket: HubSocket): void
  /** Sends one frame to one socket (with the same backpressure rules). */
  send(socket: HubSocket, frame: ServerFrame, options?: BroadcastOptions): void
  /** Serializes once and sends to every socket in any of the rooms (each socket once). Returns sockets reached. */
  broadcast(rooms: readonly string[], frame: ServerFrame, options?: BroadcastOptions): number
  /** Closes every socket in a room (for example a visitor whose session rotated). */
  closeRoom(room: string, code: number, reason: string): void
  size(room: string): number
}

export const room = {
  conversation: (id: string) => `c:${id}`,
  site: (key: string) => `s:${key}`,
  visitor: (id: string) => `v:${id}`,
  /** An agent session's sockets, named by a hash of its token, so logout can close them. */
  session: (token: string) => `a:${createHash('sha256').update(token).digest('base64url')}`,
}

export type HubLimits = { ephemeralDropBytes: number; closeBufferedBytes: number }

/** The transport under a `ws` socket (`ws` keeps its net.Socket in `_socket`); test fakes have none. */
type Corkable = { cork(): void; uncork(): void }
const transportOf = (socket: HubSocket): Corkable | undefined => (socket as { _socket?: Corkable })._socket

/**
 * Rooms of sockets. Backpressure per socket: above `ephemeralDropBytes` buffered, ephemeral frames are
 * dropped for it; above `closeBufferedBytes` it is closed with CloseCode.Resume (it resumes from the store).
 * `send` on a socket never blocks, so one slow socket never delays the others.
 */
export function createHub(limits: HubLimits = SERVER_LIMITS): Hub {
  const rooms = new Map<string, Set<HubSocket>>()
  const memberships = new Map<HubSocket, Set<string>>()

  // Frames sent to one socket in the same tick (an ack and its message echo; every message of a group
  // commit to an agent) leave in one writev: a frame written alone costs ~10x more CPU, mostly in the kernel.
  const corked = new Set<Corkable>()
  const uncorkAll = () => {
    for (const transport of corked) transport.uncork()
    corked.clear()
  }
  const cork = (socket: HubSocket) => {
    const transport = transportOf(socket)
    if (!transport || corked.has(transport)) return
    transport.cork()
    if (corked.size === 0) process.nextTick(uncorkAll)
    corked.add(transport)
  }

  const leave = (name: string, socket: HubSocket) => {
    const members = rooms.get(name)
    if (members) {
      members.delete(socket)
      if (members.size === 0) rooms.delete(name)
    }
    memberships.get(socket)?.delete(name)
  }
  const leaveAll = (socket: HubSocket) => {
    for (const name of memberships.get(socket) ?? []) leave(name, socket)
    memberships.delete(socket)
  }
  /** A socket in several of a broadcast's rooms gets the frame once, from the first (no set per broadcast). */
  const inEarlierRoom = (socket: HubSocket, names: readonly string[], i: number): boolean => {
    for (let j = 0; j < i; j++) if (rooms.get(names[j]!)?.has(socket)) return true
    return false
  }
  const deliver = (socket: HubSocket, data: string, ephemeral: boolean): boolean => {
    const buffered = socket.bufferedAmount
    if (buffered > limits.closeBufferedBytes) {
      leaveAll(socket)
      socket.close(CloseCode.Resume, 'send buffer overflow: resume')
      return false
    }
    if (ephemeral && buffered > limits.ephemeralDropBytes) return false
    try {
      cork(socket)
      socket.send(data)
      return true
    } catch {
      return false
    }
  }

  return {
    join(name, socket) {
      let members = rooms.get(name)
      if (!members) rooms.set(name, (members = new Set()))
      members.add(socket)
      let mine = memberships.get(socket)
      if (!mine) memberships.set(socket, (mine = new Set()))
      mine.add(name)
    },
    leave,
    leaveAll,
    send(socket, frame, options) {
      deliver(socket, JSON.stringify(frame), options?.ephemeral ?? false)
    },
    broadcast(names, frame, options) {
      const data = JSON.stringify(frame)
      const ephemeral = options?.ephemeral ?? false
      let reached = 0
      for (let i = 0; i < names.length; i++) {
        const members = rooms.get(names[i]!)
        if (!members) continue
        // No copy: a Set may lose members while it is iterated (a socket closed by `deliver`); they are skipped.
        for (const socket of members) {
          if (socket === options?.except || inEarlierRoom(socket, names, i)) continue
          if (deliver(socket, data, ephemeral)) reached++
        }
      }
      return reached
    },
    closeRoom(name, code, reason) {
      for (const socket of [...(rooms.get(name) ?? [])]) {
        leaveAll(socket)
        socket.close(code, reason)
      }
    },
    size(name) {
      return rooms.get(name)?.size ?? 0
    },
  }
}
