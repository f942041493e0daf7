/**
 * The reference host's connection limits, crossed for real: sockets that never send a
 * byte, a body trickling in, keep-alive sockets left idle, more connections than the cap,
 * and requests with more headers than the host reads. Every limit at its default (10 s
 * for headers, 30 s for a request, 5 s idle, 1,000 connections, 100 headers), as
 * `npm start` runs it.
 */
import { connect, type Socket } from "node:net"
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { envelopeOf, send, sendBytes } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

const address = (url: string) => {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) }
}

/** A socket that is connected and has sent nothing, and when it closed (ms after opening), with what it received. */
const openSilent = (url: string) =>
  new Promise<{
    readonly socket: Socket
    readonly closed: Promise<{ readonly after: number; readonly received: string }>
  }>((resolve, reject) => {
    const opened = Date.now()
    const socket = connect(address(url))
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("error", () => undefined)
    const closed = new Promise<{ after: number; received: string }>((done) =>
      socket.on("close", () => done({ after: Date.now() - opened, received: Buffer.concat(chunks).toString() }))
    )
    socket.once("connect", () => resolve({ socket, closed }))
    socket.once("error", reject)
  })

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

const list = { path: "/teams/1/backfills", token: "demo-admin" }

describe("the reference host's connection limits", () => {
  let host: RunningHost
  beforeAll(async () => {
    host = await startHost({ worker: Option.none(), corsAllowOrigin: "https://console.example" })
  }, 120_000)
  afterAll(() => host?.stop(), 60_000)

  it.concurrent("closes 300 silent sockets within 15 s, answering real requests meanwhile", async () => {
    const silent = await Promise.all(Array.from({ length: 300 }, () => openSilent(host.url)))
    const statuses: Array<number> = []
    const closings = Promise.all(silent.map(({ closed }) => closed))
    let done = false
    void closings.then(() => {
      done = true
    })
    while (!done) {
      statuses.push((await send(host.url, list)).status)
      await pause(500)
    }
    const closed = await closings
    expect(Math.max(...closed.map(({ after }) => after))).toBeLessThan(15_000)
    // Not before the headers deadline: a slow client still gets its 10 s.
    expect(Math.min(...closed.map(({ after }) => after))).toBeGreaterThanOrEqual(9_000)
    expect(statuses.length).toBeGreaterThan(10)
    expect(statuses.every((status) => status === 200)).toBe(true)
  }, 30_000)

  it.concurrent("cuts off a body trickling in a byte a second within 35 s, with a 400 envelope", async () => {
    const { socket, closed } = await openSilent(host.url)
    socket.write(
      "POST /teams/1/transfers/456789/backfills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-admin\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    )
    const trickle = setInterval(() => socket.writable && socket.write(" "), 1000)
    const { after, received } = await closed.finally(() => clearInterval(trickle))
    expect(after).toBeLessThan(35_000)
    expect(after).toBeGreaterThanOrEqual(29_000)
    const [head = "", body = ""] = received.split("\r\n\r\n")
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(head.toLowerCase()).toContain("access-control-allow-origin: https://console.example")
    expect(JSON.parse(body).error).toEqual(
      expect.objectContaining({ code: "BAD_REQUEST", description: "The request did not arrive in time." })
    )
  }, 45_000)

  it.concurrent("closes a keep-alive socket left idle for 5 s", async () => {
    const { socket, closed } = await openSilent(host.url)
    socket.write("GET /teams/1/backfills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-admin\r\n\r\n")
    const answered = Date.now()
    const { received } = await closed
    const idle = Date.now() - answered
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(received.toLowerCase()).toContain("keep-alive: timeout=5")
    expect(idle).toBeGreaterThanOrEqual(4_500)
    expect(idle).toBeLessThan(8_000)
  }, 20_000)

  describe("headers", () => {
    const padding = (count: number) => Array.from({ length: count }, () => "X-Pad: 1\r\n").join("")
    const body = '{"range_start":"2021-01-01","range_end":"2021-01-02"}'
    const keyedCreate = (pad: number) =>
      sendBytes(
        host.url,
        `POST /teams/1/transfers/456789/backfills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-admin\r\n${padding(pad)}Idempotency-Key: "headers-${pad}"\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
      )

    it.concurrent("refuse a request with 1,100 headers before Idempotency-Key, every time, never dropping the key", async () => {
      for (const answer of [await keyedCreate(1100), await keyedCreate(1100)]) {
        const [head = "", envelope = ""] = answer.split("\r\n\r\n")
        expect(head).toMatch(/^HTTP\/1\.1 400 /)
        expect(head.toLowerCase()).toContain("access-control-allow-origin: https://console.example")
        expect(JSON.parse(envelope).error).toEqual(
          expect.objectContaining({
            code: "BAD_REQUEST",
            description: "The request must not carry more than 100 headers."
          })
        )
      }
      // Nothing was created: the range is free for a request the host reads whole.
      const created = await keyedCreate(0)
      expect(created).toMatch(/^HTTP\/1\.1 200 /)
    })

    it.concurrent("refuse a request with 1,100 headers before Authorization with the 400, not a 401", async () => {
      const answer = await send(host.url, {
        path: "/teams/1/backfills",
        headers: { "x-pad": Array.from({ length: 1100 }, () => "1"), authorization: "Bearer demo-admin" }
      })
      expect(answer.status).toBe(400)
      expect(envelopeOf(answer).error?.description).toBe("The request must not carry more than 100 headers.")
      expect(answer.headers["x-ratelimit-limit"]).toBe("5000")
    })

    it.concurrent("read a request of exactly 100 headers, and refuse one of 101", async () => {
      // Host, Authorization and Connection, then padding.
      const request = (pad: number) =>
        sendBytes(
          host.url,
          `GET /teams/1/backfills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-admin\r\nConnection: close\r\n${padding(pad)}\r\n`
        )
      expect(await request(97)).toMatch(/^HTTP\/1\.1 200 /)
      expect(await request(98)).toMatch(/^HTTP\/1\.1 400 /)
    })
  })
})

describe("the reference host's connection cap", () => {
  let host: RunningHost
  beforeAll(async () => {
    host = await startHost({ worker: Option.none() })
  }, 120_000)
  afterAll(() => host?.stop(), 60_000)

  it("refuses connections past 1,000 at once, and serves again once they close", async () => {
    const held = await Promise.all(Array.from({ length: 1000 }, () => openSilent(host.url)))
    // The server counts a connection once it has accepted it.
    await pause(500)
    const past = await openSilent(host.url).catch(() => undefined)
    if (past !== undefined) {
      const { after, received } = await past.closed
      expect(after).toBeLessThan(2_000)
      expect(received).toBe("")
    }
    await expect(send(host.url, list)).rejects.toThrow()
    for (const { socket } of held) socket.destroy()
    await Promise.all(held.map(({ closed }) => closed))
    await pause(200)
    expect((await send(host.url, list)).status).toBe(200)
  }, 60_000)
})
