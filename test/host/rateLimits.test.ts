/**
 * Rate limits that cannot be dodged: charged to the authenticated caller, or to the
 * address when the token is missing or invalid; exact under concurrency; with headers
 * that agree; in fixed windows; and with bounded memory. Two processes sharing Redis:
 * sharedRateLimits.test.ts.
 */
import { Clock, Duration, Effect, FastCheck as fc, Layer, Option, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withCachedAuthentication } from "../../src/adapters/cachedAuthenticator.js"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { addressKey } from "../../src/host/callers.js"
import { DEMO_TOKENS } from "../../src/host/demo.js"
import { MEMORY_CAPACITY } from "../../src/host/lapsingMap.js"
import { makeMemoryWindows } from "../../src/host/windows.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { burst, expectExactQuota } from "./quota.js"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

const LIMIT = 50

/** The demo tokens, counting how often they are looked up behind a 30 s cache, as the host has it. */
const countingAuthenticator = () => {
  const counter = { lookups: 0 }
  const layer = withCachedAuthentication(
    Layer.effect(
      Authenticator,
      Effect.map(Authenticator, (inner) => ({
        authenticate: (token: string) =>
          Effect.zipRight(
            Effect.sync(() => {
              counter.lookups += 1
            }),
            inner.authenticate(token)
          )
      }))
    ).pipe(Layer.provide(layerStaticTokens(DEMO_TOKENS))),
    { timeToLive: Duration.seconds(30), capacity: 10_000 }
  )
  return { counter, layer }
}

describe("rate limits in one process", () => {
  let caller: RunningHost
  let sprayed: RunningHost
  const sprayedAuthenticator = countingAuthenticator()

  beforeAll(async () => {
    // A deadline that a busy machine's queue of 200 requests on one embedded connection cannot reach.
    const settings = { rateLimitPerHour: LIMIT, worker: Option.none(), databaseDeadline: Duration.seconds(60) }
    ;[caller, sprayed] = await Promise.all([
      startHost(settings),
      startHost({ ...settings, overrides: sprayedAuthenticator.layer })
    ])
  }, 120_000)
  afterAll(async () => {
    await caller?.stop()
    await sprayed?.stop()
  }, 60_000)

  it("let exactly 50 of 200 concurrent requests of one caller through, with headers that agree", async () => {
    expectExactQuota(await burst([caller.url], 200), { limit: LIMIT })
  })

  it("charge the address for tokens that are not valid, and stop looking them up once it is over", async () => {
    const admin = { path: "/teams/1/backfills", token: "demo-admin" }
    expect((await send(sprayed.url, admin)).status).toBe(200)
    const lookupsBefore = sprayedAuthenticator.counter.lookups
    const statuses: Array<number> = []
    for (let wave = 0; wave < 30; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          send(sprayed.url, { path: "/teams/1/backfills", token: `sprayed-${wave}-${index}-${Math.random()}` })
        )
      )
      statuses.push(...answers.map((answer) => answer.status))
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT)
    expect(statuses.filter((status) => status === 429)).toHaveLength(300 - LIMIT)
    // Each token once (the cache answers the handler's second look), and none once the address is over.
    expect(sprayedAuthenticator.counter.lookups - lookupsBefore).toBeLessThanOrEqual(LIMIT + 10)
    const noToken = await send(sprayed.url, { path: "/teams/1/backfills" })
    expect(noToken.status).toBe(429)
    // A token found valid lately still counts as its caller, not as the exhausted address.
    const valid = await send(sprayed.url, admin)
    expect(valid.status).toBe(200)
    expect(valid.headers["x-ratelimit-remaining"]).toBe(String(LIMIT - 2))
  })
})

describe("addresses as rate-limit keys", () => {
  it("take IPv4 as it is, also mapped into IPv6, and IPv6 by its /64", () => {
    expect(addressKey("203.0.113.7")).toBe("address:203.0.113.7")
    expect(addressKey("::ffff:203.0.113.7")).toBe("address:203.0.113.7")
    expect(addressKey("2001:db8:0:42::1")).toBe("address:2001:db8:0:42::/64")
    expect(addressKey("2001:DB8:0000:0042:ffff:1:2:3")).toBe("address:2001:db8:0:42::/64")
    expect(addressKey("2001:db8::")).toBe("address:2001:db8:0:0::/64")
    expect(addressKey("::1")).toBe("address:0:0:0:0::/64")
  })
})

describe("the in-memory window store", () => {
  const WINDOW_MILLIS = 10_000
  const request = fc.record({ key: fc.constantFrom("a", "b", "c"), advanceMillis: fc.integer({ min: 0, max: 4000 }) })

  it("admits at most the limit per window, refuses only a full window, and opens a fresh one once it ends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(request, { maxLength: 80 }), (limit, requests) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const { store } = makeMemoryWindows(WINDOW_MILLIS, 10)
            // Per key, the admitted counts of each window, by the time it ends.
            const admittedBy = new Map<string, Map<number, Array<number>>>()
            const lastEnd = new Map<string, number>()
            for (const { key, advanceMillis } of requests) {
              yield* TestClock.adjust(Duration.millis(advanceMillis))
              const now = yield* Clock.currentTimeMillis
              const answer = yield* store.take(key, limit)
              const end = now + answer.resetMillis
              expect(answer.resetMillis).toBeGreaterThan(0)
              expect(answer.resetMillis).toBeLessThanOrEqual(WINDOW_MILLIS)
              const previous = lastEnd.get(key)
              if (previous === undefined || previous <= now) {
                // The key's window ended (or it has none): a fresh one opens with this request.
                expect(answer).toEqual({ admitted: true, count: 1, resetMillis: WINDOW_MILLIS })
              } else expect(end).toBe(previous)
              lastEnd.set(key, end)
              const windows = admittedBy.get(key) ?? new Map<number, Array<number>>()
              admittedBy.set(key, windows)
              const counts = windows.get(end) ?? []
              windows.set(end, counts)
              if (answer.admitted) counts.push(answer.count)
              else expect([answer.count, counts.length]).toEqual([limit, limit])
              expect(counts).toEqual(Array.from({ length: counts.length }, (_, index) => index + 1))
              expect(counts.length).toBeLessThanOrEqual(limit)
            }
          }).pipe(Effect.provide(TestContext.TestContext))
        )
      ),
      { numRuns: 150 }
    )
  })

  it("keeps at most its capacity of windows however many callers come: 1,000,000 distinct keys", async () => {
    const { setFlagsFromString } = await import("node:v8")
    const { runInNewContext } = await import("node:vm")
    setFlagsFromString("--expose-gc")
    const gc = runInNewContext("gc") as () => void
    gc()
    const before = process.memoryUsage().heapUsed
    const { store, size } = makeMemoryWindows(3_600_000)
    let largest = 0
    for (let index = 0; index < 1_000_000; index++) {
      Effect.runSync(store.take(`address:10.${index}`, LIMIT))
      if (index % 10_000 === 0) largest = Math.max(largest, size())
    }
    largest = Math.max(largest, size())
    gc()
    const grown = process.memoryUsage().heapUsed - before
    expect(largest).toBeLessThanOrEqual(MEMORY_CAPACITY)
    // About 200 bytes a window: the bound stated in windows.ts, with room for the measurement.
    expect(grown).toBeLessThan(40 * 1024 * 1024)
    expect(Effect.runSync(store.take("address:10.0", LIMIT)).count).toBe(1)
  }, 120_000)
})
