/**
 * The reference host's live progress: a backfill's events as Server-Sent Events while its
 * worker runs it (each day as it finishes, without polling), resumed from `Last-Event-ID`,
 * refused as a `GET` of the backfill would be, ended after its longest life with
 * heartbeats meanwhile; and its relay posting the same events to a team's webhook.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Duration, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { verifyWebhook } from "../../src/adapters/webhooks/signature.js"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { type RunningHost, startHost } from "./startHost.js"

const SECRET = "team-one-secret"
const hooks: Array<{ readonly body: string; readonly genuine: boolean }> = []
let receiver: Server
let host: RunningHost
let short: RunningHost

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const headers = {
        id: String(request.headers["webhook-id"]),
        timestamp: String(request.headers["webhook-timestamp"]),
        signature: String(request.headers["webhook-signature"])
      }
      hooks.push({ body, genuine: verifyWebhook(SECRET, headers, body, Math.floor(Date.now() / 1000)) })
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  host = await startHost({
    worker: Option.some({ dayDuration: Duration.millis(20), failureRate: 0 }),
    events: {
      ...DEFAULT_EVENTS,
      pollInterval: Duration.millis(20),
      webhooks: new Map([["1", { url, secret: SECRET }]])
    }
  })
  short = await startHost({
    worker: Option.none(),
    events: {
      ...DEFAULT_EVENTS,
      pollInterval: Duration.millis(20),
      heartbeat: Duration.millis(50),
      maxStream: Duration.millis(400)
    }
  })
}, 120_000)

afterAll(async () => {
  await host.stop()
  await short.stop()
  receiver.closeAllConnections()
  await new Promise((resolve) => receiver.close(resolve))
})

const AUTH = { authorization: "Bearer demo-viewer" }

const schedule = async (on: RunningHost, start: string, end: string) => {
  const response = await fetch(`${on.url}/teams/1/transfers/456789/backfills`, {
    method: "POST",
    headers: { authorization: "Bearer demo-admin", "content-type": "application/json" },
    body: JSON.stringify({ range_start: start, range_end: end })
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
}

interface Frame {
  readonly id: string
  readonly event: string
  readonly data: { readonly sequence: number; readonly type: string; readonly transfer_run_date?: string }
}

/** Reads SSE frames until `until` says stop or the stream ends; comment lines are counted apart. */
const readFrames = async (response: Response, until: (frame: Frame) => boolean = () => false) => {
  const frames: Array<Frame> = []
  let comments = 0
  let text = ""
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    let end = text.indexOf("\n\n")
    let stop = false
    while (end !== -1) {
      const block = text.slice(0, end)
      text = text.slice(end + 2)
      end = text.indexOf("\n\n")
      if (block.startsWith(":")) {
        comments++
        continue
      }
      const fields = Object.fromEntries(
        block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)])
      )
      const frame = { id: fields.id ?? "", event: fields.event ?? "", data: JSON.parse(fields.data ?? "null") }
      frames.push(frame)
      stop ||= until(frame)
    }
    if (stop) {
      await reader.cancel()
      break
    }
  }
  return { frames, comments }
}

const open = (on: RunningHost, id: number, headers: Record<string, string> = AUTH) =>
  fetch(`${on.url}/teams/1/backfills/${id}/events`, { headers })

describe("the host's event stream", () => {
  it("shows each day finish as the worker runs the backfill, then its end, in sequence", async () => {
    const id = await schedule(host, "2023-03-01", "2023-03-04")
    const response = await open(host, id)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
    const { frames } = await readFrames(response, (frame) => frame.event === "backfill.completed")
    expect(frames.map((frame) => Number(frame.id))).toEqual(frames.map((_, index) => index + 1))
    expect(frames.map((frame) => frame.data.sequence)).toEqual(frames.map((frame) => Number(frame.id)))
    expect(frames.slice(0, 2).map((frame) => frame.event)).toEqual(["backfill.created", "backfill.scheduled"])
    const finished = frames
      .filter((frame) => frame.event === "day.completed")
      .map((frame) => frame.data.transfer_run_date)
    expect(finished).toEqual(["2023-03-04", "2023-03-03", "2023-03-02", "2023-03-01"])
    expect(frames.at(-1)?.event).toBe("backfill.completed")
  }, 60_000)

  it("resumes after Last-Event-ID", async () => {
    const id = await schedule(host, "2023-04-01", "2023-04-02")
    const all = await readFrames(await open(host, id), (frame) => frame.event === "backfill.completed")
    const total = all.frames.length
    const resumed = await readFrames(
      await open(host, id, { ...AUTH, "last-event-id": String(total - 2) }),
      (frame) => frame.event === "backfill.completed"
    )
    expect(resumed.frames.map((frame) => Number(frame.id))).toEqual([total - 1, total])
  }, 60_000)

  it("refuses what a GET of the backfill refuses, a malformed Last-Event-ID and other methods", async () => {
    const id = await schedule(host, "2023-05-01", "2023-05-01")
    const cases: ReadonlyArray<readonly [string, Record<string, string>, number]> = [
      [`/teams/1/backfills/${id}`, {}, 401],
      [`/teams/1/backfills/${id}`, { authorization: "Bearer nobody" }, 401],
      [`/teams/2/backfills/${id}`, AUTH, 403],
      ["/teams/1/backfills/999999", AUTH, 404],
      ["/teams/1/backfills/0x1", AUTH, 400]
    ]
    for (const [path, headers, status] of cases) {
      const streamed = await fetch(`${host.url}${path}/events`, { headers })
      const got = await fetch(`${host.url}${path}`, { headers })
      expect([streamed.status, got.status]).toEqual([status, status])
      expect(((await streamed.json()) as { error: unknown }).error).toEqual(
        ((await got.json()) as { error: unknown }).error
      )
    }
    // Access is checked before Last-Event-ID is read, as a GET of the backfill checks it.
    const otherTeam = await fetch(`${host.url}/teams/2/backfills/${id}/events`, {
      headers: { ...AUTH, "last-event-id": "seven" }
    })
    expect(otherTeam.status).toBe(403)
    const malformed = await open(host, id, { ...AUTH, "last-event-id": "seven" })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST")
    const posted = await fetch(`${host.url}/teams/1/backfills/${id}/events`, { method: "POST", headers: AUTH })
    expect(posted.status).toBe(405)
  }, 60_000)

  it("ends a stream after its longest life, with heartbeats while nothing happens", async () => {
    const id = await schedule(short, "2023-06-01", "2023-06-01")
    const started = Date.now()
    const { frames, comments } = await readFrames(await open(short, id))
    expect(frames.map((frame) => frame.event)).toEqual(["backfill.created"])
    expect(comments).toBeGreaterThanOrEqual(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(350)
  }, 60_000)

  it("posts every event of team 1 to its webhook, signed, in order per backfill", async () => {
    const id = await schedule(host, "2023-07-01", "2023-07-02")
    const { frames } = await readFrames(await open(host, id), (frame) => frame.event === "backfill.completed")
    const deadline = Date.now() + 30_000
    const posted = () =>
      hooks
        .map((hook) => ({
          ...hook,
          event: JSON.parse(hook.body) as { transfer_backfill_id: number; sequence: number }
        }))
        .filter((hook) => hook.event.transfer_backfill_id === id)
    while (posted().length < frames.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    expect(posted().map((hook) => hook.event.sequence)).toEqual(frames.map((frame) => frame.data.sequence))
    expect(posted().every((hook) => hook.genuine)).toBe(true)
  }, 60_000)
})
