/**
 * Rate limits that cannot be dodged: charged to the authenticated caller, or to the
 * address when the token is missing or invalid; exact under concurrency, in one process
 * and across two sharing Redis; with headers that agree; and with bounded memory.
 */
import { Duration, Effect, Layer, Option } from "effect"
import { Redis } from "ioredis"
import Pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { withCachedAuthentication } from "../../src/adapters/cachedAuthenticator.js"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
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
    ;[caller, sprayed] = await Promise.all([
      startHost({ rateLimitPerHour: LIMIT, worker: Option.none() }),
      startHost({ rateLimitPerHour: LIMIT, worker: Option.none(), overrides: sprayedAuthenticator.layer })
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
    expect(sprayedAuthenticator.counter.lookups).toBeLessThanOrEqual(LIMIT + 10)
    const noToken = await send(sprayed.url, { path: "/teams/1/backfills" })
    expect(noToken.status).toBe(429)
  })
})

describe("the in-memory window store", () => {
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
