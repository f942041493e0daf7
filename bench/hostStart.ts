/**
 * Benchmark 7: `npm start` against its floor (bench/baseline/embeddedFloor.mjs, plain JavaScript: the same
 * embedded database and extension, a port open, nothing else), each started the way
 * `npm start` starts the host. Measured side by side, alternating, on a fresh process
 * each round: the time until the process says it listens, and its resident memory once
 * it has idled for a few seconds. The host's first start (no bundle, no snapshot yet)
 * builds both; the median of the rounds is a start after that, as on any start but the
 * first.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import type { Result } from "./measure.js"

const root = new URL("..", import.meta.url).pathname
const IDLE_MS = 5000
const ROUNDS = 3

/** The command `npm start` runs, without npm around it. */
export const startCommand = (): ReadonlyArray<string> => {
  const scripts = (
    JSON.parse(readFileSync(new URL("package.json", `file://${root}`), "utf8")) as {
      scripts: Record<string, string>
    }
  ).scripts
  return (scripts.start ?? "").split(" ")
}

const residentMiB = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024
}

/** Starts `command`, waits for "listening on", idles, reads its memory and stops it. */
const measure = async (command: ReadonlyArray<string>, env: Record<string, string>) => {
  const [program, ...args] = command
  const started = performance.now()
  const child = spawn(program === "node" ? process.execPath : (program ?? ""), args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: "0", ADMIN_PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const listeningMs = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening on")) resolve(performance.now() - started)
    })
    child.on("exit", (code) => reject(new Error(`${command.join(" ")} exited with ${code} before listening`)))
  })
  await sleep(IDLE_MS)
  const rss = residentMiB(child.pid ?? 0)
  const exited = new Promise((resolve) => child.on("exit", resolve))
  child.kill("SIGTERM")
  await exited
  return { listeningMs, rss }
}

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

export const hostStart = async (log: (line: string) => void): Promise<ReadonlyArray<Result>> => {
  const host = { listening: [] as Array<number>, rss: [] as Array<number> }
  const floor = { listening: [] as Array<number>, rss: [] as Array<number> }
  // The embedded database, as on a machine without DATABASE_URL.
  const env = { DATABASE_URL: "", REDIS_URL: "" }
  for (let round = 0; round < ROUNDS; round++) {
    const ours = await measure(startCommand(), env)
    host.listening.push(ours.listeningMs)
    host.rss.push(ours.rss)
    const bare = await measure(["node", "bench/baseline/embeddedFloor.mjs"], env)
    floor.listening.push(bare.listeningMs)
    floor.rss.push(bare.rss)
  }
  const listening = { host: median(host.listening), floor: median(floor.listening) }
  const rss = { host: median(host.rss), floor: median(floor.rss) }
  log(
    `  listening    npm start ${listening.host.toFixed(0)} ms, floor ${listening.floor.toFixed(0)} ms (median of ${ROUNDS})`
  )
  const rounds = (values: ReadonlyArray<number>) => values.map((ms) => ms.toFixed(0)).join(", ")
  log(`  each round   npm start ${rounds(host.listening)} ms (the first builds); floor ${rounds(floor.listening)} ms`)
  log(
    `  idle RSS     npm start ${rss.host.toFixed(0)} MiB, floor ${rss.floor.toFixed(0)} MiB, after ${IDLE_MS / 1000} s`
  )
  return [
    {
      name: "7a. npm start: time until it listens, vs the embedded database alone opening a port",
      value: Math.round(listening.host),
      unit: "ms",
      baseline: Math.round(listening.floor),
      ratio: Math.round((listening.host / listening.floor) * 100) / 100,
      goal: "ratio ≤ 1.5",
      met: listening.host / listening.floor <= 1.5
    },
    {
      name: "7b. npm start: resident memory when idle, vs the same floor",
      value: Math.round(rss.host),
      unit: "MiB",
      baseline: Math.round(rss.floor),
      ratio: Math.round((rss.host / rss.floor) * 100) / 100,
      goal: "ratio ≤ 1.5",
      met: rss.host / rss.floor <= 1.5
    }
  ]
}
