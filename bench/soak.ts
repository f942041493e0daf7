/**
 * `npm run soak`: the reference host, started as `npm start` starts it with its worker
 * running (failing a fifth of its days), under steady mixed load for `SOAK_SECONDS` (600):
 * reads, listings, creates, cancels and retries from 8 clients at about 150 requests a
 * second. The host samples its own memory and event-loop delay every 10 s
 * (bench/soakProbe.mjs); the samples are plotted to docs/soak.png and kept in
 * bench/soak.json. It passes when memory after the warm-up (the first fifth, at most two
 * minutes), measured after a full collection, rises or falls by at most 10 % along its
 * least-squares line, and every answer is a 200, 409 or 422. Uses `DATABASE_URL`
 * when set, else the host's embedded database. Not part of the test run.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { plotSoak, type SoakSample } from "./soakPlot.js"

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600)
const WARM_UP_SECONDS = Math.min(120, SECONDS / 5)
const CLIENTS = 8
const REQUESTS_PER_SECOND = 150
const FLAT_WITHIN = 0.1
const EXPECTED_STATUSES = new Set([200, 409, 422])
const ADMIN = { authorization: "Bearer demo-admin", "content-type": "application/json" }
const root = new URL("..", import.meta.url)

const startHost = () =>
  new Promise<{ readonly url: string; readonly child: ChildProcess; readonly samples: Array<SoakSample> }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ["--expose-gc", "--import", "./bench/soakProbe.mjs", "scripts/start.mjs"], {
        cwd: root,
        env: {
          ...process.env,
          PORT: "0",
          ADMIN_PORT: "0",
          WORKER: "on",
          WORKER_DAY_MS: "20",
          WORKER_FAILURE_RATE: "0.2",
          RATE_LIMIT_PER_HOUR: "1000000000",
          REDIS_URL: "",
          DATABASE_URL: process.env.DATABASE_URL ?? "",
          DATABASE_SCHEMA: `soak_${process.pid}`
        },
        stdio: ["ignore", "pipe", "inherit"]
      })
      const samples: Array<SoakSample> = []
      let pending = ""
      child.stdout?.on("data", (chunk: Buffer) => {
        pending += chunk.toString()
        const lines = pending.split("\n")
        pending = lines.pop() ?? ""
        for (const line of lines) {
          if (line.startsWith("soak-sample ")) samples.push(JSON.parse(line.slice("soak-sample ".length)) as SoakSample)
          const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
          if (url !== undefined) resolve({ url, child, samples })
        }
      })
      child.on("exit", (code) => reject(new Error(`the host exited with ${code} before listening`)))
    }
  )

/** One client's loop: a weighted mix of the API's calls, paced to its share of the rate. */
const client = async (url: string, until: number, firstDay: number, statuses: Map<string, number>) => {
  const known: Array<number> = []
  let day = firstDay
  const call = async (action: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, { ...init, headers: ADMIN })
    const text = await response.text()
    const key = `${action} ${response.status}`
    statuses.set(key, (statuses.get(key) ?? 0) + 1)
    return { status: response.status, text }
  }
  const someKnown = () => known[Math.floor(Math.random() * known.length)] ?? 1
  const interval = (CLIENTS / REQUESTS_PER_SECOND) * 1000
  while (Date.now() < until) {
    const started = Date.now()
    const roll = Math.random()
    if (roll < 0.15 || known.length === 0) {
      const date = new Date(Date.UTC(1901, 0, 1 + day++)).toISOString().slice(0, 10)
      const body = JSON.stringify({ range_start: date, range_end: date })
      const created = await call("create", "/teams/1/transfers/456789/backfills", { method: "POST", body })
      if (created.status === 200)
        known.push((JSON.parse(created.text) as { data: { transfer_backfill_id: number } }).data.transfer_backfill_id)
    } else if (roll < 0.75) await call("get", `/teams/1/backfills/${someKnown()}`)
    else if (roll < 0.9) await call("list", "/teams/1/backfills?limit=20")
    else if (roll < 0.95)
      await call("cancel", `/teams/1/backfills/${someKnown()}`, { method: "PATCH", body: '{"status":"CANCELLED"}' })
    else await call("retry", `/teams/1/backfills/${someKnown()}/retry`, { method: "POST" })
    await sleep(Math.max(0, interval - (Date.now() - started)))
  }
}

const mean = (values: ReadonlyArray<number>) => values.reduce((sum, value) => sum + value, 0) / values.length

/**
 * How much `field` changes over the settled part of the run (after the warm-up), as a
 * share of its mean there: the least-squares line's rise from the first settled sample
 * to the last. A leak shows as a steady rise; the samples' noise barely moves the line.
 */
const drift = (samples: ReadonlyArray<SoakSample>, field: "rssMiB" | "heapUsedMiB") => {
  const settled = samples.filter((sample) => sample.seconds > WARM_UP_SECONDS)
  const xs = settled.map((sample) => sample.seconds)
  const ys = settled.map((sample) => sample[field])
  const [meanX, meanY] = [mean(xs), mean(ys)]
  const slope =
    xs.reduce((sum, x, index) => sum + (x - meanX) * ((ys[index] ?? meanY) - meanY), 0) /
    xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0)
  return (slope * ((xs.at(-1) ?? 0) - (xs[0] ?? 0))) / meanY
}

const host = await startHost()
process.stdout.write(`soak: ${SECONDS} s against ${host.url}, warm-up ${WARM_UP_SECONDS} s\n`)
const statuses = new Map<string, number>()
const until = Date.now() + SECONDS * 1000
await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(host.url, until, index * 2_500, statuses)))
await sleep(11_000)
const exited = new Promise((resolve) => host.child.on("exit", resolve))
host.child.kill("SIGTERM")
await exited

const unexpected = [...statuses].filter(([key]) => !EXPECTED_STATUSES.has(Number(key.split(" ").at(-1))))
const rss = drift(host.samples, "rssMiB")
const heap = drift(host.samples, "heapUsedMiB")
const passed = unexpected.length === 0 && Math.abs(rss) <= FLAT_WITHIN && Math.abs(heap) <= FLAT_WITHIN
const verdict = { seconds: SECONDS, warmUpSeconds: WARM_UP_SECONDS, rssDrift: rss, heapDrift: heap, passed }
await plotSoak(host.samples, WARM_UP_SECONDS, new URL("docs/soak.png", root).pathname)
writeFileSync(
  new URL("bench/soak.json", root),
  `${JSON.stringify({ verdict, answers: Object.fromEntries(statuses), samples: host.samples }, null, 2)}\n`
)
process.stdout.write(
  `answers: ${[...statuses].map(([key, count]) => `${key}: ${count}`).join(", ")}\n` +
    `memory after the warm-up: RSS ${(rss * 100).toFixed(1)} %, heap ${(heap * 100).toFixed(1)} % (within ±${FLAT_WITHIN * 100} %)\n` +
    `${passed ? "passed" : "FAILED"}; docs/soak.png and bench/soak.json written\n`
)
process.exitCode = passed ? 0 : 1
