/**
 * The webhook sink against a real HTTP receiver: the event's JSON signed as Standard
 * Webhooks define it (checked by `verifyWebhook` and by an HMAC computed here), each
 * failure an `EventDeliveryFailed`, retryable unless a 4xx refused the event itself,
 * and the relay delivering through it until the receiver takes every event.
 */
import { createHmac } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Option } from "effect"
import { afterAll, beforeAll } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { layerWebhookSink, makeWebhookSink, signWebhook, verifyWebhook } from "../../src/adapters/webhooks/index.js"
import { type BackfillEvent, encodeEvent } from "../../src/domain/events.js"
import { BackfillId, TeamId, TransferId } from "../../src/domain/ids.js"
import { stringifyJson } from "../../src/http/json.js"
import { relayEventsOnce } from "../../src/operations/eventRelay.js"
import { EventSink } from "../../src/ports/eventSink.js"
import { eventsOf } from "../../src/testing/conformance/outbox/events.js"
import * as steps from "../../src/testing/conformance/steps.js"

interface Delivery {
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

/** A receiver whose answer tests choose; it records every request. */
let server: Server
let url = ""
const deliveries: Array<Delivery> = []
let answer: (delivery: Delivery) => number | "hang" = () => 204

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const delivery = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8") }
      deliveries.push(delivery)
      const status = answer(delivery)
      if (status === 302) response.writeHead(302, { location: "/elsewhere" }).end()
      else if (status !== "hang") response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const SECRET = "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdA=="
const TEAM = TeamId.make(1n)

const EVENT: BackfillEvent = {
  type: "day.failed",
  status: "RUNNING",
  runs: { total: 3, created: 3, completed: 1, failed: 1 },
  day: "2024-01-02" as BackfillEvent["day"] & string,
  error: "no data",
  backfillId: BackfillId.make(8n),
  teamId: TEAM,
  transferId: TransferId.make(456789n),
  sequence: 5,
  time: 1706778000 as BackfillEvent["time"]
}

const endpoints = (timeout: Duration.Duration) => ({
  endpointOf: (teamId: TeamId) => (teamId === TEAM ? Option.some({ url, secret: SECRET }) : Option.none()),
  timeout
})

const sinkTo = (timeout = Duration.seconds(5)) => makeWebhookSink(endpoints(timeout))

const fresh = (respond: typeof answer) => {
  deliveries.length = 0
  answer = respond
}

describe("the webhook sink", () => {
  it.live("posts the event's JSON, signed over its id, timestamp and body", () =>
    Effect.gen(function* () {
      fresh(() => 204)
      const before = yield* Clock.currentTimeMillis
      yield* sinkTo().deliver(EVENT)
      const after = yield* Clock.currentTimeMillis
      const [delivery] = deliveries
      expect(delivery?.body).toBe(stringifyJson(encodeEvent(EVENT)))
      expect(JSON.parse(delivery?.body ?? "")).toMatchObject({
        event_id: "8-5",
        type: "day.failed",
        transfer_backfill_id: 8,
        transfer_run_date: "2024-01-02",
        time: "2024-02-01T09:00:00Z"
      })
      const headers = {
        id: String(delivery?.headers["webhook-id"]),
        timestamp: String(delivery?.headers["webhook-timestamp"]),
        signature: String(delivery?.headers["webhook-signature"])
      }
      expect(headers.id).toBe("8-5")
      // Whole seconds of the Clock's time at the POST.
      expect(Number(headers.timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000))
      expect(Number(headers.timestamp)).toBeLessThanOrEqual(Math.floor(after / 1000))
      expect(delivery?.headers["content-type"]).toBe("application/json")
      const key = Buffer.from(SECRET.slice("whsec_".length), "base64")
      const expected = createHmac("sha256", key)
        .update(`${headers.id}.${headers.timestamp}.${delivery?.body}`)
        .digest("base64")
      expect(headers.signature).toBe(`v1,${expected}`)
      const now = Number(headers.timestamp)
      expect(verifyWebhook(SECRET, headers, delivery?.body ?? "", now)).toBe(true)
      expect(verifyWebhook(SECRET, headers, `${delivery?.body} `, now)).toBe(false)
      expect(verifyWebhook("whsec_b3RoZXI=", headers, delivery?.body ?? "", now)).toBe(false)
      expect(verifyWebhook(SECRET, headers, delivery?.body ?? "", now + 301)).toBe(false)
      const rotated = { ...headers, signature: `v1,bm90LWl0 ${headers.signature}` }
      expect(verifyWebhook(SECRET, rotated, delivery?.body ?? "", now)).toBe(true)
    })
  )

  it("verifies a timestamp of whole seconds in digits only, within its tolerance on either side", () => {
    const sent = 1_700_000_000
    const body = "{}"
    const headers = { id: "8-5", timestamp: String(sent), signature: signWebhook(SECRET, "8-5", sent, body) }
    const verified = (timestamp: string, now = sent, tolerance?: number) =>
      verifyWebhook(SECRET, { ...headers, timestamp }, body, now, tolerance)
    expect(verified(String(sent))).toBe(true)
    // Each reads as the same number, and would match the signature if read so.
    for (const spelling of ["17e8", "+1700000000", "1700000000.0", " 1700000000", "1700000000 "])
      expect(verified(spelling)).toBe(false)
    expect([verified(String(sent), sent + 300), verified(String(sent), sent - 300)]).toEqual([true, true])
    expect([verified(String(sent), sent + 301), verified(String(sent), sent - 301)]).toEqual([false, false])
    expect([verified(String(sent), sent + 10, 10), verified(String(sent), sent + 11, 10)]).toEqual([true, false])
  })

  it("signs with a plain secret's own bytes", () => {
    const expected = createHmac("sha256", "plain").update("a.1.{}").digest("base64")
    expect(signWebhook("plain", "a", 1, "{}")).toBe(`v1,${expected}`)
  })

  it.live("fails, to be tried again, on an error status, a redirect, no answer in time, or no server", () =>
    Effect.gen(function* () {
      fresh(() => 503)
      const refused = yield* Effect.flip(sinkTo().deliver(EVENT))
      expect(refused).toMatchObject({ _tag: "EventDeliveryFailed", reason: "answered 503", retryable: true })
      fresh(() => "hang")
      const late = yield* Effect.flip(sinkTo(Duration.millis(200)).deliver(EVENT))
      expect(late).toMatchObject({ reason: expect.stringMatching(/^no answer within 200/), retryable: true })
      // A redirect is not followed: it would turn the POST into a GET whose 2xx proves nothing.
      fresh(() => 302)
      expect(yield* Effect.flip(sinkTo().deliver(EVENT))).toMatchObject({ reason: "answered 302", retryable: true })
      expect(deliveries.length).toBe(1)
      const nobody = makeWebhookSink({
        endpointOf: () => Option.some({ url: "http://127.0.0.1:9/hooks", secret: SECRET })
      })
      expect(yield* Effect.flip(nobody.deliver(EVENT))).toMatchObject({
        reason: expect.stringMatching(/^POST failed: ./),
        retryable: true
      })
    })
  )

  it.live("delivers on any 2xx answer", () =>
    Effect.gen(function* () {
      for (const status of [200, 202, 204, 299]) {
        fresh(() => status)
        yield* sinkTo().deliver(EVENT)
        expect(deliveries.length).toBe(1)
      }
    })
  )

  it.live("fails for good on a 4xx that refuses the event, and for now on one that asks again later", () =>
    Effect.gen(function* () {
      for (const [status, retryable] of [
        [400, false],
        [401, false],
        [404, false],
        [410, false],
        [422, false],
        [408, true],
        [425, true],
        [429, true],
        [500, true],
        [502, true]
      ] as const) {
        fresh(() => status)
        expect(yield* Effect.flip(sinkTo().deliver(EVENT))).toMatchObject({
          reason: `answered ${status}`,
          retryable
        })
      }
    })
  )

  it.live("has the relay dead-letter at once an event the receiver refuses, and deliver the next one", () =>
    Effect.gen(function* () {
      const backfill = yield* steps.insert("2024-01-01", "2024-01-01")
      const repository = yield* steps.repository
      yield* repository.cancel(backfill.id, { time: backfill.createdTime, userId: backfill.createdUserId })
      fresh((delivery) => (JSON.parse(delivery.body).type === "backfill.created" ? 400 : 204))
      // A backoff no test waits out: only an event dead at once lets the next one go.
      const relay = Effect.provide(
        relayEventsOnce({ relayId: "relay-1", backoff: Duration.hours(1) }),
        layerWebhookSink(endpoints(Duration.seconds(5)))
      )
      expect(yield* relay).toEqual({ held: 1, delivered: 0 })
      expect(yield* relay).toEqual({ held: 1, delivered: 1 })
      expect(yield* relay).toEqual({ held: 0, delivered: 0 })
      expect(deliveries.map((delivery) => JSON.parse(delivery.body).type)).toEqual([
        "backfill.created",
        "backfill.cancelled"
      ])
    }).pipe(Effect.provide(layerMemoryBackfillRepository()))
  )

  it.live("delivers a team's events to nobody when it has no endpoint", () =>
    Effect.gen(function* () {
      fresh(() => 500)
      yield* sinkTo().deliver({ ...EVENT, teamId: TeamId.make(2n) })
      expect(deliveries).toEqual([])
    })
  )

  it.live(
    "with the relay: a receiver that fails at first gets every event, in order",
    () =>
      Effect.gen(function* () {
        let calls = 0
        fresh(() => (++calls % 3 === 0 ? 500 : 200))
        const { backfill } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
        yield* steps.report(backfill.id, "2024-01-03")
        const relay = Effect.provideService(
          relayEventsOnce({ relayId: "relay", backoff: Duration.millis(1), maxAttempts: 100 }),
          EventSink,
          sinkTo()
        )
        for (let round = 0; round < 30; round++) {
          yield* relay
          yield* Effect.sleep(Duration.millis(2))
        }
        const firsts = new Map<number, number>()
        for (const [index, delivery] of deliveries.entries()) {
          const { sequence } = JSON.parse(delivery.body) as { sequence: number }
          if (!firsts.has(sequence)) firsts.set(sequence, index)
        }
        const outbox = (yield* eventsOf(backfill.id)).map((event) => event.sequence)
        expect([...firsts.keys()]).toEqual(outbox)
      }).pipe(Effect.provide(layerMemoryBackfillRepository())),
    30_000
  )
})
