/**
 * What the host does when its rate-limit store fails: a store it cannot reach lets
 * requests through, a store that answers with an error refuses them with 503, and either
 * is logged at most once a minute, whatever the request rate.
 */
import { Cause, Duration, Effect, Layer, Logger, LogLevel, Option, TestClock, TestContext } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerRequestLimiter, RequestLimiter } from "../../src/host/rateLimiter.js"
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js"
import { envelopeOf, send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

interface LogLine {
  readonly level: string
  readonly message: string
}

const capture = (lines: Array<LogLine>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, cause }) => {
      lines.push({ level: logLevel.label, message: `${String(message)} ${Cause.pretty(cause)}` })
    })
  )

const aboutTheStore = (lines: ReadonlyArray<LogLine>) => lines.filter((line) => /rate limit store/.test(line.message))

describe("a rate-limit store that cannot be reached", () => {
  let proxy: TcpProxy
  beforeAll(async () => {
    // Nothing behind it answers: every connection is reset, as a Redis that is down.
    proxy = await startTcpProxy("127.0.0.1", 9)
    proxy.down(true)
  })
  afterAll(() => proxy.close())

  it("lets every request through, warning at most once a minute with how many it held back", async () => {
    const lines: Array<LogLine> = []
    const store = {
      _tag: "Redis",
      url: `redis://${proxy.address}`,
      prefix: "unreachable:",
      commandTimeout: Duration.millis(500)
    } as const
    await Effect.gen(function* () {
      const limiter = yield* RequestLimiter
      const first = yield* Effect.forEach(Array.from({ length: 20 }), () => limiter.take("caller:789:1"))
      expect(first.every((quota) => quota.allowed && quota.remaining === 3)).toBe(true)
      expect(aboutTheStore(lines)).toHaveLength(1)
      expect(aboutTheStore(lines)[0]?.level).toBe("WARN")
      expect(aboutTheStore(lines)[0]?.message).toMatch(
        /^The rate limit store is unreachable, so requests are not limited: /
      )
      // Short: the error's message, not its stack and the client's state.
      expect(aboutTheStore(lines)[0]?.message.length).toBeLessThan(400)
      yield* TestClock.adjust(Duration.seconds(59))
      yield* limiter.take("caller:789:1")
      expect(aboutTheStore(lines)).toHaveLength(1)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* limiter.take("caller:789:1")
      expect(aboutTheStore(lines)).toHaveLength(2)
      expect(aboutTheStore(lines)[1]?.message).toMatch(/\(20 more since the last such message\)/)
    }).pipe(
      Effect.provide(Layer.mergeAll(layerRequestLimiter(3, store), capture(lines), TestContext.TestContext)),
      Effect.runPromise
    )
  })
})

describe("a limit no store can count", () => {
  it("stops the limiter from starting, naming the limit", async () => {
    for (const limit of [0, -1, 1.5, 2 ** 53]) {
      const exit = await Effect.runPromiseExit(
        Effect.provide(RequestLimiter, layerRequestLimiter(limit, { _tag: "Memory" }))
      )
      expect(exit._tag).toBe("Failure")
      expect(exit._tag === "Failure" && Cause.pretty(exit.cause)).toContain(`not ${limit}`)
    }
  })
})

const redisUrl = process.env.REDIS_URL ?? ""

describe.runIf(redisUrl !== "")(
  "a rate-limit store that answers with an error (needs REDIS_URL, which .ci/run sets)",
  () => {
    const prefix = `transfer-backfills-test:failing:${process.pid}:${Date.now()}:`
    const lines: Array<LogLine> = []
    let host: RunningHost
    let redis: Redis
    beforeAll(async () => {
      redis = new Redis(redisUrl)
      host = await startHost({
        worker: Option.none(),
        corsAllowOrigin: "https://console.example",
        rateLimitStore: { _tag: "Redis", url: redisUrl, prefix, commandTimeout: Duration.seconds(1) },
        minimumLogLevel: LogLevel.Info,
        logger: Logger.make(({ logLevel, message, cause }) => {
          lines.push({ level: logLevel.label, message: `${String(message)} ${Cause.pretty(cause)}` })
        })
      })
    }, 120_000)
    afterAll(async () => {
      await host?.stop()
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
      await redis.quit()
    }, 60_000)

    it("refuses the caller's requests with 503 and CORS headers, logging it once, and serves the others", async () => {
      // A window Redis cannot count: the script's GET answers WRONGTYPE.
      await redis.hset(`${prefix}caller:789:1`, "field", "value")
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => send(host.url, { path: "/teams/1/backfills", token: "demo-admin" }))
      )
      for (const answer of answers) {
        expect(answer.status).toBe(503)
        expect(envelopeOf(answer).error?.code).toBe("SERVICE_UNAVAILABLE")
        expect(answer.headers["access-control-allow-origin"]).toBe("https://console.example")
        expect(answer.headers["x-ratelimit-remaining"]).toBeUndefined()
      }
      const logged = aboutTheStore(lines)
      expect(logged.map((line) => line.level)).toEqual(["ERROR"])
      expect(logged[0]?.message).toMatch(/answered with an error, so requests are refused: WRONGTYPE/)
      expect(lines.filter((line) => line.level === "WARN" || line.level === "ERROR")).toHaveLength(1)
      const other = await send(host.url, { path: "/teams/1/backfills", token: "demo-viewer" })
      expect([other.status, other.headers["x-ratelimit-remaining"]]).toEqual([200, "4999"])
    })
  }
)
