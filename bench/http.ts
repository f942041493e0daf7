/**
 * Benchmark 5: the reference host over loopback against a bare `node:http` server that
 * answers the same JSON body from memory, each in a process of its own, loaded by
 * autocannon from this one.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"
import type { Result } from "./measure.js"

const DURATION_SECONDS = 6
const CONNECTIONS = 16

const startProcess = (args: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
  new Promise<{ readonly url: string; readonly child: ChildProcess }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      env: { ...process.env, ...env },
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

const summary = (result: autocannon.Result) =>
  `${Math.round(result.requests.average).toLocaleString("en")} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`

export const httpHost = async (log: (line: string) => void, databaseUrl: string | undefined): Promise<Result> => {
  const schema = `bench_http_${process.pid}`
  const host = await startProcess(["src/host/main.ts"], {
    PORT: "0",
    WORKER: "off",
    RATE_LIMIT_PER_HOUR: "1000000000",
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema
  })
  try {
    const admin = { authorization: "Bearer demo-admin", "content-type": "application/json" }
    const created = await fetch(`${host.url}/teams/1/transfers/456789/backfills`, {
      method: "POST",
      headers: admin,
      body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
    })
    const createdBody = (await created.json()) as { data: { transfer_backfill_id: number } }
    const path = `/teams/1/backfills/${createdBody.data.transfer_backfill_id}`
    const getBody = await (await fetch(`${host.url}${path}`, { headers: admin })).text()
    const bodyFile = join(tmpdir(), `bench-body-${process.pid}.json`)
    writeFileSync(bodyFile, getBody)
    const bare = await startProcess(["bench/baseline/bareServer.ts", bodyFile], {})
    try {
      const hostGet = await load({ url: `${host.url}${path}`, headers: admin })
      const bareGet = await load({ url: `${bare.url}${path}`, headers: admin })
      let day = 0
      const nextBody = () => {
        const date = new Date(Date.UTC(1901, 0, 1 + day++)).toISOString().slice(0, 10)
        return `{"range_start":"${date}","range_end":"${date}"}`
      }
      const hostPost = await load({
        url: `${host.url}/teams/1/transfers/456789/backfills`,
        method: "POST",
        headers: admin,
        requests: [{ setupRequest: (request) => ({ ...request, body: nextBody() }) }]
      })
      const barePost = await load({
        url: `${bare.url}/teams/1/transfers/456789/backfills`,
        method: "POST",
        headers: admin,
        body: nextBody()
      })
      log(`  GET  host ${summary(hostGet)}`)
      log(`       bare ${summary(bareGet)}`)
      log(`  POST host ${summary(hostPost)}`)
      log(`       bare ${summary(barePost)}`)
      const ratio = hostGet.requests.average / bareGet.requests.average
      return {
        name: "5. HTTP GET /teams/1/backfills/{id} through the reference host vs a bare node:http server",
        value: Math.round(hostGet.requests.average),
        unit: "requests/s",
        baseline: Math.round(bareGet.requests.average),
        ratio: Math.round(ratio * 100) / 100,
        goal: "ratio ≥ 0.35",
        met: ratio >= 0.35
      }
    } finally {
      await stop(bare.child)
    }
  } finally {
    await stop(host.child)
  }
}
