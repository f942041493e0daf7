/**
 * A TCP proxy on a loopback port in front of a real server, for the faults a network
 * and a database show in production: connections frozen (open, but nothing gets
 * through), cut (reset at once), or refused while the server is "down".
 */
import { createConnection, createServer, type Server, type Socket } from "node:net"

export interface TcpProxy {
  /** `host:port` to connect to instead of the target. */
  readonly address: string
  /** Stops forwarding in both directions, on open connections and new ones alike. */
  readonly freeze: () => void
  readonly thaw: () => void
  /** Resets every open connection; new ones go through. */
  readonly cut: () => void
  /** While down, every open and new connection is reset. */
  readonly down: (isDown: boolean) => void
  /** Connections the client side closed or reset itself (not the proxy). */
  readonly closedByClient: () => number
  readonly open: () => number
  readonly close: () => Promise<void>
}

export const startTcpProxy = async (targetHost: string, targetPort: number): Promise<TcpProxy> => {
  interface Pair {
    readonly client: Socket
    readonly upstream: Socket
    /** Writes held back while frozen. */
    readonly held: Array<() => void>
  }
  const pairs = new Set<Pair>()
  let frozen = false
  let isDown = false
  let clientCloses = 0

  const reset = (pair: Pair) => {
    pairs.delete(pair)
    pair.client.resetAndDestroy()
    pair.upstream.resetAndDestroy()
  }

  const server: Server = createServer((client) => {
    if (isDown) {
      client.resetAndDestroy()
      return
    }
    const upstream = createConnection({ host: targetHost, port: targetPort })
    const pair: Pair = { client, upstream, held: [] }
    pairs.add(pair)
    let closing = false
    // Frozen bytes are held back, not left unread: each end still sees its own socket close.
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (frozen) pair.held.push(() => to.write(chunk))
      else to.write(chunk)
    }
    client.on("data", forward(upstream))
    upstream.on("data", forward(client))
    const end = (byClient: boolean) => () => {
      if (closing) return
      closing = true
      if (byClient && pairs.has(pair)) clientCloses += 1
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on("close", end(true))
    client.on("error", () => undefined)
    upstream.on("close", end(false))
    upstream.on("error", () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { readonly port: number }).port

  return {
    address: `127.0.0.1:${port}`,
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
      for (const { held } of pairs) for (const send of held.splice(0)) send()
    },
    cut: () => {
      for (const pair of [...pairs]) reset(pair)
    },
    down: (value) => {
      isDown = value
      if (value) for (const pair of [...pairs]) reset(pair)
    },
    closedByClient: () => clientCloses,
    open: () => pairs.size,
    close: async () => {
      for (const pair of [...pairs]) reset(pair)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
