/**
 * The limits of the host's event streams: how many a team may hold open and how many the
 * host serves at once, each slot given back when its stream ends however it ends; and a
 * client that stops reading holds its stream back instead of filling the host's memory.
 */
import { createServer, request as httpRequest } from "node:http"
import { Context, Duration, Effect, Exit, Layer, Option, Scope, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { HostServer, layerHostServer } from "../../src/host/server.js"
import { type RunningHost, startHost } from "./startHost.js"

let host: RunningHost

beforeAll(async () => {
  host = await startHost({
    worker: Option.none(),
    events: { ...DEFAULT_EVENTS, pollInterval: Duration.millis(20), maxStreams: 3, maxStreamsPerTeam: 2 }
  })
}, 120_000)

afterAll(() => host.stop())

const TEAM_1 = { authorization: "Bearer demo-admin" }
const TEAM_2 = { authorization: "Bearer demo-team2" }

const schedule = async (team: string, transfer: string, headers: Record<string, string>) => {
  const response = await fetch(`${host.url}/teams/${team}/transfers/${transfer}/backfills`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ range_start: "2023-01-01", range_end: "2023-01-02" })
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
}

/** Opens a stream; a refused one is read to its end, an open one is kept with a way to leave it. */
const open = async (team: string, id: number, headers: Record<string, string>) => {
  const leave = new AbortController()
  const response = await fetch(`${host.url}/teams/${team}/backfills/${id}/events`, { headers, signal: leave.signal })
  if (response.status !== 200) {
    const body = (await response.json()) as { error: { code: string } }
    return { status: response.status, code: body.error.code, retryAfter: response.headers.get("retry-after") }
  }
  // The first frame has come: the stream is counted.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  return { status: 200, leave: () => leave.abort() }
}

const eventually = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the condition never held")
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe("the host's event stream limits", () => {
  it("refuses a team's stream past its cap with 429, and any stream past the host's with 503, until one ends", async () => {
    const first = await schedule("1", "456789", TEAM_1)
    const other = await schedule("2", "111111", TEAM_2)
    const one = await open("1", first, TEAM_1)
    const two = await open("1", first, TEAM_1)
    expect([one.status, two.status]).toEqual([200, 200])

    const third = await open("1", first, TEAM_1)
    expect(third).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" })
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1)

    const teamTwo = await open("2", other, TEAM_2)
    expect(teamTwo.status).toBe(200)
    const pastHost = await open("2", other, TEAM_2)
    expect(pastHost).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" })

    // A client that leaves gives its slot back: team 1 may open one again, and no more.
    one.leave?.()
    let again: Awaited<ReturnType<typeof open>> | undefined
    await eventually(async () => {
      again = await open("1", first, TEAM_1)
      return again.status === 200
    })
    expect((await open("1", first, TEAM_1)).status).toBe(429)
    for (const stream of [two, teamTwo, again]) stream?.leave?.()
  }, 60_000)

  it("gives the slot back when a stream reaches its longest life", async () => {
    const brief = await startHost({
      worker: Option.none(),
      events: { ...DEFAULT_EVENTS, maxStream: Duration.millis(300), maxStreams: 1, maxStreamsPerTeam: 1 }
    })
    try {
      const response = await fetch(`${brief.url}/teams/1/transfers/456789/backfills`, {
        method: "POST",
        headers: { ...TEAM_1, "content-type": "application/json" },
        body: JSON.stringify({ range_start: "2023-02-01", range_end: "2023-02-01" })
      })
      const id = ((await response.json()) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id
      for (let round = 0; round < 3; round++) {
        const stream = await fetch(`${brief.url}/teams/1/backfills/${id}/events`, { headers: TEAM_1 })
        expect(stream.status).toBe(200)
        // Read to the stream's end: its longest life ends it, and its slot is free for the next round.
        await stream.text()
        await eventually(async () => {
          const probe = await fetch(`${brief.url}/teams/1/backfills/${id}/events`, { headers: TEAM_1 })
          await probe.body?.cancel()
          return probe.status === 200
        })
      }
    } finally {
      await brief.stop()
    }
  }, 60_000)
})

describe("a stream whose client stops reading", () => {
  it("is read no further ahead than the socket holds, and loses nothing once the client reads again", async () => {
    const CHUNKS = 2000
    const chunk = "x".repeat(64 * 1024 - 1)
    let pulled = 0
    // Pulled one at a time, as the outbox's pages are: each pull is counted when it happens.
    const chunks = Stream.repeatEffectOption(
      Effect.suspend(() => {
        if (pulled === CHUNKS) return Effect.fail(Option.none())
        pulled += 1
        return Effect.succeed(`${chunk}\n`)
      })
    )
    const scope = Effect.runSync(Scope.make())
    const served = layerHostServer(createServer, 0, () =>
      Effect.succeed({ status: 200, headers: {}, body: "", stream: chunks })
    )
    const { url } = Context.get(await Effect.runPromise(Layer.buildWithScope(served, scope)), HostServer)
    try {
      const received = await new Promise<number>((resolve, reject) => {
        const call = httpRequest(url, (response) => {
          response.pause()
          // The client reads nothing for a second: the host may fill the socket, not its memory.
          setTimeout(() => {
            try {
              expect(pulled).toBeLessThan(CHUNKS / 4)
            } catch (error) {
              reject(error)
              return
            }
            let bytes = 0
            response.on("data", (data: Buffer) => {
              bytes += data.length
            })
            response.on("end", () => resolve(bytes))
            response.resume()
          }, 1000)
        })
        call.on("error", reject)
        call.end()
      })
      expect(received).toBe(CHUNKS * 64 * 1024)
      expect(pulled).toBe(CHUNKS)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 60_000)
  it("is cut off at its longest life, its slot given back, though its client never reads again", async () => {
    const chunk = "y".repeat(64 * 1024 - 1)
    let given = 0
    const endless = Stream.repeatEffect(Effect.succeed(`${chunk}\n`))
    const scope = Effect.runSync(Scope.make())
    const served = layerHostServer(createServer, 0, (request) =>
      Effect.sync(() => {
        request.holding(() => {
          given += 1
        })
        return { status: 200, headers: {}, body: "", stream: endless, streamLife: Duration.millis(500) }
      })
    )
    const { url } = Context.get(await Effect.runPromise(Layer.buildWithScope(served, scope)), HostServer)
    try {
      const startedAt = Date.now()
      // Never read: the socket fills, and the host's writer waits on it.
      const call = httpRequest(url, (response) => response.pause())
      call.on("error", () => undefined)
      call.end()
      while (given === 0 && Date.now() - startedAt < 15_000) await new Promise((resolve) => setTimeout(resolve, 50))
      call.destroy()
      expect(given).toBe(1)
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(450)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 60_000)
})
