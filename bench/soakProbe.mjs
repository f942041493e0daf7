/**
 * Loaded into the host under soak (`node --import bench/soakProbe.mjs …`): every
 * `SOAK_SAMPLE_MS` (10 s) it prints one line `soak-sample {json}` with the process's
 * resident memory and heap in use, both right after a full garbage collection (the host
 * runs with `--expose-gc`), so that they show what the host retains and not where the
 * collector's sawtooth happens to be, and the event loop's delay (p50, p99, max) since the
 * last line. It reads the process from inside, which no outside tool can for the heap.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"

const intervalMs = Number(process.env.SOAK_SAMPLE_MS ?? 10_000)
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
const started = performance.now()
const millis = (nanos) => Math.round(nanos / 10_000) / 100

setInterval(() => {
  globalThis.gc?.()
  const memory = process.memoryUsage()
  const sample = {
    seconds: Math.round((performance.now() - started) / 1000),
    rssMiB: Math.round((memory.rss / 1048576) * 10) / 10,
    heapUsedMiB: Math.round((memory.heapUsed / 1048576) * 10) / 10,
    loopDelayP50Ms: millis(delay.percentile(50)),
    loopDelayP99Ms: millis(delay.percentile(99)),
    loopDelayMaxMs: millis(delay.max)
  }
  delay.reset()
  process.stdout.write(`soak-sample ${JSON.stringify(sample)}\n`)
}, intervalMs).unref()
