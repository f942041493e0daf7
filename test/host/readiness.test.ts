/**
 * `/readyz` on the admin port: 503 while the database connection is frozen (the host's
 * deadline is the probe's), 200 again once it answers; and 503 once the worker's last
 * successful step is older than `READY_WORKER_MAX_AGE_MS`, 200 again once it succeeds.
 * `/healthz` stays 200 throughout: the process is alive.
 */
import { Duration, Effect, Layer, Option, Ref } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { DEFAULT_EVENTS } from "../../src/host/eventsConfig.js"
import { DEFAULT_OPERABILITY } from "../../src/host/operabilityConfig.js"
import { WorkerRepository } from "../../src/ports/backfillRepository.js"
import { type FaultTarget, openFaultTarget } from "../support/faultTarget.js"
import { type Fault, withFaults } from "../support/faultyRepository.js"
import { send } from "./rawHttp.js"
import { type RunningHost, startHost } from "./startHost.js"

interface Readiness {
  readonly ready: boolean
  readonly checks: {
    readonly database: { readonly ok: boolean; readonly error?: string }
    readonly migrations: { readonly ok: boolean; readonly expected: number; readonly applied: number | null }
    readonly worker?: { readonly ok: boolean; readonly last_success_time: string | null }
  }
}

const WORKER_MAX_AGE = Duration.seconds(2)

let target: FaultTarget
let frozen: RunningHost
let stale: RunningHost
const workerFault = Ref.unsafeMake<Fault>("none")

beforeAll(async () => {
  target = await openFaultTarget()
  frozen = await startHost({
    databaseUrl: Option.some(target.proxiedUrl),
    // PGlite serves one connection at a time.
    databasePoolSize: target.kind === "pglite" ? 1 : 4,
    databaseDeadline: Duration.seconds(1),
    worker: Option.none(),
    dropSchema: target.kind === "server"
  })
  // The worker works on a store of its own whose calls can be made to fail.
  stale = await startHost({
    operability: { ...DEFAULT_OPERABILITY, adminPort: 0, readyWorkerMaxAge: WORKER_MAX_AGE },
    events: DEFAULT_EVENTS,
    overrides: Layer.effect(
      WorkerRepository,
      Effect.map(WorkerRepository, (worker) => withFaults(worker, workerFault))
    ).pipe(Layer.provide(layerMemoryBackfillRepository()))
  })
}, 120_000)

afterAll(async () => {
  target?.proxy.thaw()
  await frozen?.stop()
  await stale?.stop()
  await target?.close()
}, 60_000)

const probe = async (host: RunningHost) => {
  const answer = await send(host.adminUrl, { path: "/readyz" })
  return { status: answer.status, body: JSON.parse(answer.text) as Readiness }
}

/** Probes until `until` holds, up to `attempts` times 200 ms apart; the last answer. */
const probeUntil = async (host: RunningHost, until: (status: number) => boolean, attempts = 100) => {
  let answer = await probe(host)
  for (let attempt = 0; attempt < attempts && !until(answer.status); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    answer = await probe(host)
  }
  return answer
}

describe("/readyz", () => {
  it("turns 503 while the database is frozen, naming the check, and 200 again after", async () => {
    const before = await probe(frozen)
    expect(before.status).toBe(200)
    expect(before.body.checks.migrations.applied).toBe(before.body.checks.migrations.expected)
    target.proxy.freeze()
    const started = Date.now()
    const during = await probe(frozen)
    expect(during.status).toBe(503)
    expect(during.body).toMatchObject({
      ready: false,
      checks: { database: { ok: false, error: "no answer within 1s" }, migrations: { ok: false, applied: null } }
    })
    // Within the deadline and a margin for a loaded machine, not the probe's own timeout.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await send(frozen.adminUrl, { path: "/healthz" })).status).toBe(200)
    target.proxy.thaw()
    const after = await probeUntil(frozen, (status) => status === 200)
    expect(after.status).toBe(200)
    expect(after.body.ready).toBe(true)
  }, 120_000)

  it("turns 503 once the worker's last success is older than its limit, and 200 once it succeeds again", async () => {
    const healthy = await probeUntil(stale, (status) => status === 200)
    expect(healthy.status).toBe(200)
    expect(healthy.body.checks.worker).toMatchObject({ ok: true, max_age_seconds: 2 })
    await Effect.runPromise(Ref.set(workerFault, "unavailable"))
    const failing = await probeUntil(stale, (status) => status === 503)
    expect(failing.status).toBe(503)
    expect(failing.body.checks).toMatchObject({
      database: { ok: true },
      migrations: { ok: true },
      worker: { ok: false }
    })
    expect(failing.body.checks.worker?.last_success_time).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    await Effect.runPromise(Ref.set(workerFault, "none"))
    expect((await probeUntil(stale, (status) => status === 200)).status).toBe(200)
  }, 120_000)
})
