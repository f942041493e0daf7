/**
 * Rate limits shared by two host processes through the Redis server, for every kind of
 * limit: those that divide an hour's milliseconds and those that do not (7, 700, 3,500,
 * 1,000,000 per hour), where a window of fractional milliseconds once switched the limit
 * off. Needs `REDIS_URL` and `DATABASE_URL` (.ci/run sets both): two dozen processes on
 * embedded databases of their own would take gigabytes.
 */
import { Redis } from "ioredis"
import Pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { uniqueSchemaName } from "../support/database.js"
import { type HostProcess, startHostProcess } from "./hostProcess.js"
import { burst, expectExactQuota } from "./quota.js"
import { send } from "./rawHttp.js"

const redisUrl = process.env.REDIS_URL ?? ""
const databaseUrl = process.env.DATABASE_URL ?? ""

/** The limits tried: a few requests past each are sent; the million's window is filled beforehand. */
const LIMITS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 700, 3500, 1_000_000]
/** Requests of the million that find room: the window holds 999,995 when they come. */
const MILLION_ROOM = 5

describe.runIf(redisUrl !== "" && databaseUrl !== "")(
  "rate limits across two host processes sharing Redis (needs REDIS_URL and DATABASE_URL, which .ci/run sets)",
  () => {
    const run = `transfer-backfills-test:${process.pid}:${Date.now()}`
    const schema = uniqueSchemaName()
    const hosts: Array<HostProcess> = []
    const exits: Array<Promise<unknown>> = []
    const outputs: Array<string> = []
    const redis = new Redis(redisUrl)
    const start = (limit: number) => {
      const host = startHostProcess({
        PORT: "0",
        WORKER: "off",
        RATE_LIMIT_PER_HOUR: String(limit),
        RATE_LIMIT_REDIS_PREFIX: `${run}:${limit}:`,
        DATABASE_SCHEMA: schema,
        DATABASE_POOL_SIZE: "2"
      })
      hosts.push(host)
      exits.push(host.exited.then(() => outputs.push(host.output())))
      return host.listening
    }

    afterAll(async () => {
      for (const host of hosts) host.child.kill("SIGTERM")
      await Promise.all(exits)
      const keys = await redis.keys(`${run}:*`)
      if (keys.length > 0) await redis.del(...keys)
      await redis.quit()
      const client = new Pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    }, 60_000)

    it("answer exactly the limit, the rest 429 with headers that agree, for every limit", async () => {
      // The first process migrates the schema; the others find it ready.
      await start(1)
      for (let index = 0; index < LIMITS.length; index += 3) {
        const batch = LIMITS.slice(index, index + 3)
        const pairs = await Promise.all(batch.map((limit) => Promise.all([start(limit), start(limit)])))
        await redis.set(`${run}:1000000:caller:789:1`, 1_000_000 - MILLION_ROOM, "PX", 3_600_000)
        await Promise.all(
          batch.map(async (limit, at) => {
            const room = limit === 1_000_000 ? MILLION_ROOM : limit
            // An id that is not one: answered 400 after authentication (cached), with no query to wait on.
            const answers = await burst(pairs[at] ?? [], room + 5, { concurrency: 32, path: "/teams/1/backfills/x" })
            expectExactQuota(answers, { limit, admitted: room, status: 400 })
          })
        )
        if (batch.includes(7)) {
          const other = await send(pairs[batch.indexOf(7)]?.[1] ?? "", {
            path: "/teams/1/backfills",
            token: "demo-viewer"
          })
          expect([other.status, other.headers["x-ratelimit-remaining"]]).toEqual([200, "6"])
        }
        for (const host of hosts.splice(0)) host.child.kill("SIGTERM")
      }
      // Nothing was let through for want of a store: nothing was said about it.
      await Promise.all(exits)
      expect(outputs.join("")).not.toMatch(/rate limit store/)
    }, 180_000)
  }
)
