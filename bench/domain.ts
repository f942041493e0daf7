/**
 * Benchmarks 1 and 2: the schedule operation on the in-memory ports against a plain
 * TypeScript baseline, and the cost of the overlap check as active backfills pile up.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import { Temporal } from "temporal-polyfill"
import { layerStaticTokens } from "../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository } from "../src/adapters/memory/backfillRepository.js"
import { layerMemoryTransferLookup } from "../src/adapters/memory/transferLookup.js"
import { TeamId, TransferId, UserId } from "../src/domain/ids.js"
import { UTC } from "../src/domain/time.js"
import { scheduleBackfillRequest } from "../src/http/endpoints.js"
import { type PlainPrincipal, PlainStore, type PlainTransfer, schedulePlain } from "./baseline/schedulePlain.js"
import { type Result, sideBySide, type Timing, timeSequential } from "./measure.js"

const TRANSFERS = 2000
const team = TeamId.make(1n)
const principal = {
  userId: UserId.make(789n),
  teamIds: [team],
  scopes: ["dwh_transfers_read", "dwh_transfers_write"],
  permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
}
const EPOCH = Temporal.PlainDate.from("1700-01-01")
const dayText = (offset: number) => EPOCH.add({ days: offset }).toString()

/** The `index`-th request: transfers in turn, each getting the next free day. */
export const request = (index: number, transfers = TRANSFERS, firstDay = 0) => {
  const day = dayText(firstDay + Math.floor(index / transfers))
  return {
    authorization: "Bearer bench-token",
    path: { team_id: "1", transfer_id: String(1 + (index % transfers)) },
    body: `{"range_start":"${day}","range_end":"${day}"}`
  }
}

/** The bench's token and `transfers` transfers of team 1, in memory. */
export const benchDirectory = (transfers: number) =>
  Layer.merge(
    layerStaticTokens({ "bench-token": principal }),
    layerMemoryTransferLookup(
      Array.from({ length: transfers }, (_, index) => ({
        id: TransferId.make(BigInt(index + 1)),
        teamId: team,
        timeZone: UTC
      }))
    )
  )

/** The in-memory ports with `transfers` transfers of team 1 and the bench's token. */
export const libraryPorts = (transfers: number) =>
  Layer.merge(benchDirectory(transfers), layerMemoryBackfillRepository())

const libraryRuntime = (transfers: number) => ManagedRuntime.make(libraryPorts(transfers))

export const succeeded = (outcome: { readonly _tag: string }) => {
  if (outcome._tag !== "Right") throw new Error(`schedule failed: ${JSON.stringify(outcome)}`)
}

export const format = (timing: Timing) =>
  `${Math.round(timing.opsPerSecond).toLocaleString("en")} ops/s, p50 ${timing.p50Micros.toFixed(1)} µs, p99 ${timing.p99Micros.toFixed(1)} µs`

export const domainOverhead = async (log: (line: string) => void): Promise<Result> => {
  const runtime = libraryRuntime(TRANSFERS)
  const plainWorld = {
    tokens: new Map<string, PlainPrincipal>([["bench-token", principal]]),
    transfers: new Map<bigint, PlainTransfer>(
      Array.from({ length: TRANSFERS }, (_, index) => [
        BigInt(index + 1),
        { id: BigInt(index + 1), teamId: 1n, timeZone: "UTC" }
      ])
    ),
    store: new PlainStore()
  }
  const [library, baseline] = await sideBySide(
    10,
    2000,
    async (index) => succeeded(await runtime.runPromise(Effect.either(scheduleBackfillRequest(request(index))))),
    (index) => {
      const outcome = schedulePlain(plainWorld, request(index), Date.now())
      if ("code" in outcome) throw new Error(`plain schedule failed: ${outcome.code}`)
    }
  )
  await runtime.dispose()
  log(`  library   ${format(library)}`)
  log(`  baseline  ${format(baseline)}`)
  const ratio = library.meanMicros / baseline.meanMicros
  return {
    name: "1. domain overhead: scheduleBackfill vs plain TypeScript (mean time per schedule)",
    value: round(library.meanMicros),
    unit: "µs",
    baseline: round(baseline.meanMicros),
    ratio: round(ratio),
    goal: "ratio ≤ 3",
    met: ratio <= 3
  }
}

/** Mean time of one more schedule into a transfer that already has `active` active backfills. */
const scheduleWithActive = async (active: number): Promise<Timing> => {
  const runtime = libraryRuntime(1)
  await runtime.runPromise(
    Effect.forEach(
      Array.from({ length: active }, (_, index) => index),
      (index) => Effect.asVoid(scheduleBackfillRequest(request(index, 1)))
    )
  )
  const timing = await timeSequential(3000, async (index) =>
    succeeded(await runtime.runPromise(Effect.either(scheduleBackfillRequest(request(index, 1, 110_000)))))
  )
  await runtime.dispose()
  return timing
}

export const overlapScaling = async (log: (line: string) => void): Promise<Result> => {
  const timings = new Map<number, Timing>()
  for (const active of [10, 1_000, 100_000]) {
    const timing = await scheduleWithActive(active)
    timings.set(active, timing)
    log(`  ${String(active).padStart(7)} active  ${format(timing)}`)
  }
  const at1k = timings.get(1_000)?.meanMicros ?? Number.NaN
  const at100k = timings.get(100_000)?.meanMicros ?? Number.NaN
  return {
    name: "2. overlap scaling: schedule with 100,000 vs 1,000 active backfills (mean time)",
    value: round(at100k),
    unit: "µs",
    baseline: round(at1k),
    ratio: round(at100k / at1k),
    goal: "ratio ≤ 5",
    met: at100k / at1k <= 5
  }
}

const round = (value: number) => Math.round(value * 100) / 100
