/**
 * Benchmarks 5a and 5b: the reference host, started as `npm start` starts it, against a
 * floor doing the same database work (bench/baseline/pgFloorServer.mjs: `node:http`, the
 * same `pg` driver and pool size, one primary-key SELECT for a read, one INSERT for a
 * create), both on the same PostgreSQL server, loaded by autocannon from this process at
 * 32 connections, in alternating rounds.
 */
import { type ChildProcess, spawn } from "node:child_process"
import autocannon from "autocannon"
import { startCommand } from "./hostStart.js"
import type { Result } from "./measure.js"
import { withSchema } from "./postgres.js"

const ROUNDS = 3
const DURATION_SECONDS = 10
const CONNECTIONS = 32
/** The host's default `DATABASE_POOL_SIZE`, given to both sides. */
const POOL_SIZE = 16

const startProcess = (command: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
  new Promise<{ readonly url: string; readonly child: ChildProcess }>((resolve, reject) => {
    const [program, ...args] = command
    const child = spawn(program === "node" ? process.execPath : (program ?? ""), args, {
      env: { ADMIN_PORT: "0", ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      if (url !== undefined) resolve({ url, child })
    })
    child.on("exit", (code) => reject(new Error(`exited with ${code} before listening: ${output}`)))
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.on("exit", () => resolve())
    child.kill("SIGTERM")
  })

const load = (options: autocannon.Options) =>
  new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options }, (error, result) =>
      error ? reject(error) : resolve(result)
    )
  )

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

/** One side's rounds: the median of their rates and latencies, and every answer that was not 2xx. */
const combined = (results: ReadonlyArray<autocannon.Result>) => ({
  perSecond: median(results.map((result) => result.requests.average)),
  p50: median(results.map((result) => result.latency.p50)),
  p99: median(results.map((result) => result.latency.p99)),
  non2xx: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0)
})

type Side = ReturnType<typeof combined>

const describe = (side: Side) =>
  `${Math.round(side.perSecond).toLocaleString("en")} req/s, p50 ${side.p50} ms, p99 ${side.p99} ms, not 2xx ${side.non2xx}`

const row = (name: string, host: Side, floor: Side, goal: number): Result => {
  const ratio = host.perSecond / floor.perSecond
  return {
    name: `${name} (host p50 ${host.p50} ms, p99 ${host.p99} ms; floor p50 ${floor.p50} ms, p99 ${floor.p99} ms)`,
    value: Math.round(host.perSecond),
    unit: "requests/s",
    baseline: Math.round(floor.perSecond),
    ratio: Math.round(ratio * 100) / 100,
    goal: `ratio ≥ ${goal}`,
    met: ratio >= goal && host.non2xx === 0 && floor.non2xx === 0
  }
}

export const httpHost = async (
  log: (line: string) => void,
  databaseUrl: string | undefined
): Promise<ReadonlyArray<Result>> => {
  if (databaseUrl === undefined) {
    log("  skipped: the host's floors need a PostgreSQL server (DATABASE_URL or 127.0.0.1:5432)")
    return []
  }
  return withSchema(async (schema) => {
    const host = await startProcess(startCommand(), {
      PORT: "0",
      WORKER: "off",
      RATE_LIMIT_PER_HOUR: "1000000000",
      REDIS_URL: "",
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: String(POOL_SIZE)
    })
    const floor = await startProcess(
      ["node", "bench/baseline/pgFloorServer.mjs", databaseUrl, schema, String(POOL_SIZE)],
      {}
    )
    try {
      const admin = { authorization: "Bearer demo-admin", "content-type": "application/json" }
      const created = await fetch(`${host.url}/teams/1/transfers/456789/backfills`, {
        method: "POST",
        headers: admin,
        body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
      })
      const { data } = (await created.json()) as { data: { transfer_backfill_id: number } }
      const path = `/teams/1/backfills/${data.transfer_backfill_id}`
      /** Creates of one day each, a day apart: each side counts its own days (the floor writes another transfer). */
      const creates = () => {
        let day = 0
        const nextBody = () => {
          const date = new Date(Date.UTC(1901, 0, 1 + day++)).toISOString().slice(0, 10)
          return `{"range_start":"${date}","range_end":"${date}"}`
        }
        return {
          method: "POST" as const,
          headers: admin,
          requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: nextBody() }) }]
        }
      }
      const [hostCreates, floorCreates] = [creates(), creates()]
      const rounds = Array.from({ length: 4 }, () => [] as Array<autocannon.Result>)
      const [hostGets, floorGets, hostPosts, floorPosts] = rounds as [
        Array<autocannon.Result>,
        Array<autocannon.Result>,
        Array<autocannon.Result>,
        Array<autocannon.Result>
      ]
      for (let round = 0; round < ROUNDS; round++) {
        hostGets.push(await load({ url: `${host.url}${path}`, headers: admin }))
        floorGets.push(await load({ url: `${floor.url}${path}`, headers: admin }))
        hostPosts.push(await load({ url: `${host.url}/teams/1/transfers/456789/backfills`, ...hostCreates }))
        floorPosts.push(await load({ url: `${floor.url}/teams/1/transfers/456789/backfills`, ...floorCreates }))
      }
      const [hostGet, floorGet, hostPost, floorPost] = [hostGets, floorGets, hostPosts, floorPosts].map(combined) as [
        Side,
        Side,
        Side,
        Side
      ]
      log(`  ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_SECONDS} s, medians`)
      log(`  GET  host  ${describe(hostGet)}`)
      log(`       floor ${describe(floorGet)} (one primary-key SELECT)`)
      log(`  POST host  ${describe(hostPost)}`)
      log(`       floor ${describe(floorPost)} (one INSERT … RETURNING)`)
      return [
        row(
          "5a. HTTP GET /teams/1/backfills/{id}: host vs node:http + one pg primary-key SELECT",
          hostGet,
          floorGet,
          0.5
        ),
        row("5b. HTTP POST create (one day): host vs node:http + one pg INSERT", hostPost, floorPost, 0.4)
      ]
    } finally {
      await stop(floor.child)
      await stop(host.child)
    }
  })
}
