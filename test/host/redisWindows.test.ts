/**
 * The rate-limit windows in Redis, on the Redis server (`REDIS_URL`, which .ci/run sets):
 * exact for every limit, two clients sharing one window; the same answers as the memory
 * store; a reply error told apart from a Redis that cannot be reached; and a Redis that
 * goes away, freezes or comes back, through a proxy that does it for real.
 */
import { Duration, Effect, Exit, FastCheck as fc, Scope } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeRedisWindows } from "../../src/host/redisWindows.js"
import { makeMemoryWindows, type WindowStore } from "../../src/host/windows.js"
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js"

const redisUrl = process.env.REDIS_URL ?? ""
const HOUR = 3_600_000
const prefix = `transfer-backfills-test:windows:${process.pid}:${Date.now()}:`

describe.runIf(redisUrl !== "")("the Redis window store (needs REDIS_URL, which .ci/run sets)", () => {
  const scope = Effect.runSync(Scope.make())
  const open = (url: string, timeoutMillis = 1000) =>
    Effect.runPromise(
      Scope.extend(
        makeRedisWindows({ url, prefix, windowMillis: HOUR, commandTimeout: Duration.millis(timeoutMillis) }),
        scope
      )
    )
  const take = (store: WindowStore, key: string, limit: number) =>
    Effect.runPromise(Effect.either(store.take(key, limit)))
  let raw: Redis
  let first: WindowStore
  let second: WindowStore

  beforeAll(async () => {
    raw = new Redis(redisUrl)
    first = await open(redisUrl)
    second = await open(redisUrl)
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const keys = await raw.keys(`${prefix}*`)
    if (keys.length > 0) await raw.del(...keys)
    await raw.quit()
  })

  it("admits exactly the limit for every limit, 1 to 10, 700 and 3,500, two clients sharing the window", async () => {
    for (const limit of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 700, 3500]) {
      const key = `exact:${limit}`
      const answers = await Promise.all(
        Array.from({ length: limit + 5 }, (_, index) => take(index % 2 === 0 ? first : second, key, limit))
      )
      const admitted = answers.flatMap((answer) =>
        answer._tag === "Right" && answer.right.admitted ? [answer.right.count] : []
      )
      expect(admitted.sort((a, b) => a - b)).toEqual(Array.from({ length: limit }, (_, index) => index + 1))
      for (const answer of answers) {
        if (answer._tag === "Left") throw answer.left
        if (!answer.right.admitted) expect(answer.right.count).toBe(limit)
        expect(answer.right.resetMillis).toBeGreaterThan(HOUR - 60_000)
        expect(answer.right.resetMillis).toBeLessThanOrEqual(HOUR)
      }
      // The window's expiry is whole milliseconds: what Redis refused for fractional ones.
      expect(await raw.pttl(`${prefix}${key}`)).toBeGreaterThan(HOUR - 60_000)
    }
  }, 60_000)

  it("counts a million per hour to the last request", async () => {
    const limit = 1_000_000
    // Reached by filling the window directly: a million requests would only repeat the count.
    await raw.set(`${prefix}million`, limit - 5, "PX", HOUR)
    const answers = await Promise.all(Array.from({ length: 10 }, () => take(first, "million", limit)))
    expect(
      answers.map((answer) => (answer._tag === "Right" ? [answer.right.admitted, answer.right.count] : []))
    ).toEqual([
      ...[999_996, 999_997, 999_998, 999_999, 1_000_000].map((count) => [true, count]),
      ...Array.from({ length: 5 }, () => [false, limit])
    ])
  })

  it("answers as the memory store does, request for request, within one window", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom("a", "b", "c"), limit: fc.integer({ min: 1, max: 4 }) }), {
          maxLength: 40
        }),
        async (requests) => {
          run += 1
          const memory = makeMemoryWindows(HOUR).store
          for (const { key, limit } of requests) {
            const ours = Effect.runSync(memory.take(key, limit))
            const theirs = await take(first, `model:${run}:${key}`, limit)
            if (theirs._tag === "Left") throw theirs.left
            expect([theirs.right.admitted, theirs.right.count]).toEqual([ours.admitted, ours.count])
          }
        }
      ),
      { numRuns: 60 }
    )
  }, 60_000)

  it("takes an error Redis answers with for a failure, not for Redis being away", async () => {
    await raw.hset(`${prefix}wrong-type`, "field", "value")
    const answer = await take(first, "wrong-type", 5)
    expect(answer._tag === "Left" && answer.left._tag).toBe("WindowStoreFailed")
    expect(answer._tag === "Left" && answer.left.message).toMatch(/WRONGTYPE/)
  })

  describe("behind a proxy that fails it", () => {
    let proxy: TcpProxy
    let proxied: WindowStore
    beforeAll(async () => {
      const url = new URL(redisUrl)
      proxy = await startTcpProxy(url.hostname, Number(url.port || 6379))
      proxy.down(true)
      proxied = await open(`redis://${proxy.address}${url.pathname}`, 500)
    })
    afterAll(() => proxy.close())

    /** Asks until Redis answers, as a host keeps doing: the client reconnects on its own. */
    const untilAnswered = async (key: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const answer = await take(proxied, key, 3)
        if (answer._tag === "Right") return answer.right
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error("Redis never answered through the proxy")
    }

    it("is unreachable while Redis is down, frozen or cut off, and counts again once it is back", async () => {
      const down = await take(proxied, "faults", 3)
      expect(down._tag === "Left" && down.left._tag).toBe("WindowStoreUnreachable")
      proxy.down(false)
      expect(await untilAnswered("faults")).toEqual(expect.objectContaining({ admitted: true, count: 1 }))

      proxy.freeze()
      const started = Date.now()
      const frozen = await take(proxied, "faults", 3)
      expect(frozen._tag === "Left" && frozen.left._tag).toBe("WindowStoreUnreachable")
      // Given up after the command timeout (500 ms), not after TCP's minutes.
      expect(Date.now() - started).toBeLessThan(5000)
      proxy.thaw()

      proxy.cut()
      const counted = await untilAnswered("faults")
      expect(counted.count).toBeGreaterThanOrEqual(2)
      expect(counted.count).toBeLessThanOrEqual(3)
    }, 30_000)
  })
})
