/**
 * The host's relay to NATS JetStream (`EVENTS_NATS_URL`; needs NATS_URL, which .ci/run
 * sets): a host whose NATS server cannot be reached yet starts and answers all the same,
 * keeps its events in the outbox, and publishes them once the server can be reached.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Duration, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_EVENT_STREAM } from "../../src/adapters/nats/sink.js"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { type RunningHost, startHost } from "./startHost.js"

const natsUrl = process.env.NATS_URL ?? ""

/** A port nothing listens on yet: taken and given back at once. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer()
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })

/** From now on, `port` forwards to the NATS server: the server has become reachable. */
const forward = (port: number, target: URL) =>
  new Promise<Server>((resolve) => {
    const sockets = new Set<Socket>()
    const proxy = createServer((client) => {
      const server = tcpConnect(Number(target.port || 4222), target.hostname)
      for (const socket of [client, server]) {
        sockets.add(socket)
        socket.on("error", () => socket.destroy())
        socket.on("close", () => sockets.delete(socket))
      }
      client.pipe(server)
      server.pipe(client)
    })
    proxy.on("close", () => {
      for (const socket of sockets) socket.destroy()
    })
    proxy.listen(port, "127.0.0.1", () => resolve(proxy))
  })

describe.runIf(natsUrl !== "")("the host's relay to NATS (needs NATS_URL, which .ci/run sets)", () => {
  let nats: NatsConnection
  let host: RunningHost | undefined
  let proxy: Server | undefined

  beforeAll(async () => {
    nats = await connect({ servers: natsUrl })
    // The host publishes to the default stream, whose duplicate window would drop this run's
    // events as repeats of an earlier run's (event ids are unique within one database only).
    await (await jetstreamManager(nats)).streams.delete(DEFAULT_EVENT_STREAM).catch(() => false)
  })

  afterAll(async () => {
    await host?.stop()
    await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : proxy.close(resolve)))
    await (await jetstreamManager(nats)).streams.delete(DEFAULT_EVENT_STREAM).catch(() => false)
    await nats.close()
  })

  it("starts while NATS cannot be reached, and publishes the events once it can", async () => {
    const port = await freePort()
    host = await startHost({
      worker: Option.none(),
      events: { ...DEFAULT_EVENTS, pollInterval: Duration.millis(50), natsUrl: Option.some(`nats://127.0.0.1:${port}`) }
    })
    const created = await fetch(`${host.url}/teams/1/transfers/456789/backfills`, {
      method: "POST",
      headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
      body: JSON.stringify({ range_start: "2023-08-01", range_end: "2023-08-01" })
    })
    expect(created.status).toBe(200)
    const id = ((await created.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
    const subject = `backfills.events.1.${id}`

    proxy = await forward(port, new URL(natsUrl.includes("://") ? natsUrl : `nats://${natsUrl}`))
    const manager = await jetstreamManager(nats)
    const deadline = Date.now() + 60_000
    let published: { readonly type: string; readonly sequence: number } | undefined
    while (published === undefined && Date.now() < deadline) {
      const message = await manager.streams
        .getMessage(DEFAULT_EVENT_STREAM, { last_by_subj: subject })
        .catch(() => null)
      if (message) published = message.json()
      else await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(published).toMatchObject({ type: "backfill.created", sequence: 1, transfer_backfill_id: id })
    // The stream the host ensured, with ensureEventStream's defaults: the window in nanoseconds.
    const { config } = await manager.streams.info(DEFAULT_EVENT_STREAM)
    expect([config.subjects, config.duplicate_window]).toEqual([["backfills.events.>"], 15 * 60 * 1_000_000_000])
  }, 90_000)
})
