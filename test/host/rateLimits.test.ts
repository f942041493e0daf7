/**
 * Rate limits that cannot be dodged: charged to the authenticated caller, or to the
 * address when the token is missing or invalid; exact under concurrency, in one process
 * and across two sharing Redis; with headers that agree; and with bounded memory.
 */
import { RateLimiter } from "@effect/experimental"
import { Duration, Effect, FastCheck as fc, Layer, Option, TestClock, TestContext } from "effect"
import { Redis } from "ioredis"
import Pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withCachedAuthentication } from "../../src/adapters/cachedAuthenticator.js"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { addressKey } from "../../src/host/callers.js"
import { DEMO_TOKENS } from "../../src/host/demo.js"
import { MEMORY_CAPACITY, makeBoundedMemoryStore } from "../../src/host/rateLimiter.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { uniqueSchemaName } from "../support/database.js"
import { startHostProcess } from "./hostProcess.js"
import { envelopeOf, type RawResponse, send } from "./rawHttp.js"
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

/** 200 requests of one caller at once, spread over `urls`; the answers in order. */
const burst = (urls: ReadonlyArray<string>) =>
  Promise.all(
    Array.from({ length: 200 }, (_, index) =>
      send(urls[index % urls.length] ?? "", { path: "/teams/1/backfills", token: "demo-admin" })
    )
  )

/** Exactly `LIMIT` passed, each with its own remaining count, and every refusal agrees with its headers. */
const expectExactQuota = (responses: ReadonlyArray<RawResponse>) => {
  const passed = responses.filter((response) => response.status === 200)
  const refused = responses.filter((response) => response.status === 429)
  expect(passed).toHaveLength(LIMIT)
  expect(refused).toHaveLength(200 - LIMIT)
  expect(passed.map((response) => Number(response.headers["x-ratelimit-remaining"])).sort((a, b) => a - b)).toEqual(
    Array.from({ length: LIMIT }, (_, index) => index)
  )
  for (const response of [...passed, ...refused]) {
    expect(response.headers["x-ratelimit-limit"]).toBe(String(LIMIT))
    expect(Number(response.headers["x-ratelimit-reset"])).toBeGreaterThan(0)
    expect(Number(response.headers["x-ratelimit-reset"])).toBeLessThanOrEqual(3600)
  }
  for (const response of refused) {
    expect(response.headers["x-ratelimit-remaining"]).toBe("0")
    expect(response.headers["retry-after"]).toBe(response.headers["x-ratelimit-reset"])
    const envelope = envelopeOf(response)
    expect(envelope.error?.code).toBe("TOO_MANY_REQUESTS")
    expect(envelope.error?.description).toBe(`Retry after ${response.headers["retry-after"]} seconds.`)
  }
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
    expectExactQuota(await burst([caller.url]))
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
  it("answers exactly as @effect/experimental's own memory store, fixed windows and token buckets alike", async () => {
    const call = fc.record({
      key: fc.constantFrom("a", "b", "c"),
      tokens: fc.integer({ min: 1, max: 3 }),
      bucket: fc.boolean(),
      limit: fc.constantFrom(undefined, 5),
      advanceMillis: fc.integer({ min: 0, max: 3000 })
    })
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 60 }), (calls) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const theirs = yield* Effect.provide(RateLimiter.RateLimiterStore, RateLimiter.layerStoreMemory)
            // Room for every key: beyond its capacity the store forgets callers on purpose.
            const ours = makeBoundedMemoryStore(10).store
            const refillRate = Duration.millis(1000)
            for (const { key, tokens, bucket, limit, advanceMillis } of calls) {
              yield* TestClock.adjust(Duration.millis(advanceMillis))
              const answer = (store: RateLimiter.RateLimiterStore["Type"]): Effect.Effect<unknown, unknown> =>
                bucket
                  ? store.tokenBucket({ key, tokens, limit: 5, refillRate, allowOverflow: false })
                  : store.fixedWindow({ key, tokens, refillRate, limit })
              expect(yield* answer(ours)).toEqual(yield* answer(theirs))
            }
          }).pipe(Effect.provide(TestContext.TestContext))
        )
      ),
      { numRuns: 200 }
    )
  })

  it("keeps at most its capacity of windows however many callers come: 1,000,000 distinct keys", async () => {
    const { setFlagsFromString } = await import("node:v8")
    const { runInNewContext } = await import("node:vm")
    setFlagsFromString("--expose-gc")
    const gc = runInNewContext("gc") as () => void
    gc()
    const before = process.memoryUsage().heapUsed
    const { store, size } = makeBoundedMemoryStore()
    const refillRate = Duration.millis(72_000)
    let largest = 0
    for (let index = 0; index < 1_000_000; index++) {
      Effect.runSync(store.fixedWindow({ key: `address:10.${index}`, tokens: 1, refillRate, limit: LIMIT }))
      if (index % 10_000 === 0) largest = Math.max(largest, size())
    }
    largest = Math.max(largest, size())
    gc()
    const grown = process.memoryUsage().heapUsed - before
    expect(largest).toBeLessThanOrEqual(MEMORY_CAPACITY)
    // About 200 bytes a window: the bound stated in rateLimiter.ts, with room for the measurement.
    expect(grown).toBeLessThan(40 * 1024 * 1024)
    const fresh = Effect.runSync(store.fixedWindow({ key: "address:10.0", tokens: 1, refillRate, limit: LIMIT }))
    expect(fresh[0]).toBe(1)
  }, 120_000)
})

const redisUrl = process.env.REDIS_URL

describe.runIf(redisUrl !== undefined && redisUrl !== "")(
  "rate limits across two host processes sharing Redis (needs REDIS_URL, which .ci/run sets)",
  () => {
    const prefix = `transfer-backfills-test:${process.pid}:${Date.now()}:`
    const schema = uniqueSchemaName()
    const env = {
      PORT: "0",
      WORKER: "off",
      RATE_LIMIT_PER_HOUR: String(LIMIT),
      RATE_LIMIT_REDIS_PREFIX: prefix,
      DATABASE_SCHEMA: schema
    }
    const hosts: Array<ReturnType<typeof startHostProcess>> = []

    afterAll(async () => {
      for (const host of hosts) host.child.kill("SIGTERM")
      await Promise.all(hosts.map((host) => host.exited))
      const redis = new Redis(redisUrl ?? "")
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
      await redis.quit()
      const databaseUrl = process.env.DATABASE_URL
      if (databaseUrl !== undefined && databaseUrl !== "") {
        const client = new Pg.Client({ connectionString: databaseUrl })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await client.end()
      }
    }, 60_000)

    it("let exactly 50 of 200 concurrent requests through, half sent to each process", async () => {
      // One after the other: the second finds the schema migrated.
      hosts.push(startHostProcess(env))
      const first = await hosts[0]?.listening
      hosts.push(startHostProcess(env))
      const second = await hosts[1]?.listening
      expectExactQuota(await burst([first ?? "", second ?? ""]))
    }, 120_000)
  }
)
