/**
 * Benchmark 8: how each hot operation's cost grows with what is stored. A database seeded
 * set-based (test/support/seedBusy.ts) with 10 k, 100 k and 1 M backfills over 200 teams
 * and a transfer per 20 backfills, the days of nine backfills in ten (about 9 M runs at
 * 1 M), vacuumed, then each operation's port calls timed one after the other, the three
 * sizes alternating: the part of an operation whose cost could grow with the data. Goal:
 * every p50 at 1 M within 1.5 × its p50 at 10 k.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Either, Option } from "effect"
import { authorize, type Principal } from "../src/domain/access.js"
import { newBackfill } from "../src/domain/backfill.js"
import type { CalendarDate } from "../src/domain/calendarDate.js"
import { civilFromDays, formatCivilDay } from "../src/domain/civil.js"
import { makeDateRange } from "../src/domain/dateRange.js"
import { BackfillId, TeamId, TransferId, UserId } from "../src/domain/ids.js"
import { completed, WorkerId } from "../src/domain/runs.js"
import { EpochSeconds } from "../src/domain/time.js"
import { BackfillRepository, WorkerRepository } from "../src/ports/backfillRepository.js"
import { seedBusyDatabase } from "../test/support/seedBusy.js"
import { latenciesOf, type Result, summarise, type Timing, timeSequential } from "./measure.js"
import { runtimeFor, withSchema } from "./postgres.js"

const SIZES = [10_000, 100_000, 1_000_000] as const
const TEAMS = 200
const SAMPLES = 300
const ROUNDS = 3
const GOAL = 1.5
const PAGE = 20

/** One day's cycle of a worker: claim, start the next day, record it done, release. */
const workerCycle = (index: number) =>
  Effect.gen(function* () {
    const worker = yield* WorkerRepository
    const now = 1_800_000_000_000 + index
    const lease = yield* worker.claim(WorkerId.make(`curve-${index}`), now, 60_000)
    if (Option.isNone(lease)) return
    const started = yield* worker.startNextRun(lease.value, now)
    if (Option.isSome(started))
      yield* worker.recordOutcome(lease.value.backfillId, started.value.day, completed, now + 1, lease.value)
    yield* worker.releaseLease(lease.value)
  })

const principalOf = (team: TeamId): Principal => ({
  userId: UserId.make(789n),
  teamIds: [team],
  scopes: ["dwh_transfers_write", "dwh_transfers_read"],
  permissions: ["dwh.transfer.edit", "dwh.transfer.view"]
})

/** A day of 1800 + `offset` days, before any seeded range: a schedule never overlaps one. */
const earlyDay = (offset: number) => formatCivilDay(civilFromDays(-62_000 + offset)) as CalendarDate

type Timed = ReadonlyMap<string, Timing>

type Operation = readonly [name: string, op: (index: number) => Promise<unknown>]

/** A database of `size` backfills in `schema`, seeded and vacuumed, and the operations to time on it. */
const prepareSize = async (size: number, schema: string, log: (line: string) => void) => {
  const transfers = size / 20
  const runtime = runtimeFor(schema, 4)
  const seededIn = performance.now()
  await runtime.runPromise(seedBusyDatabase(schema, { backfills: size, teams: TEAMS, transfers }))
  log(`  ${size.toLocaleString("en")} backfills seeded in ${((performance.now() - seededIn) / 1000).toFixed(1)} s`)
  // Vacuumed as a service's tables are in their steady state: otherwise the autovacuum the
  // bulk insert sets off runs during the timings, on the same two cores, at the large sizes only.
  await runtime.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`VACUUM (ANALYZE) "${schema}".backfills, "${schema}".backfill_runs`)
    )
  )
  const ids = await runtime.runPromise(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql<{ status: string; id: string; team_id: string; transfer_id: string }>`
          SELECT status, id::text, team_id::text, transfer_id::text FROM ${sql.literal(`"${schema}".backfills`)}
          WHERE id % ${Math.max(1, Math.floor(size / 20_000))} = 0 ORDER BY random()`
    )
  )
  const of = (status: string) => ids.filter((row) => row.status === status)
  const [active, failed, final] = [of("CREATED"), of("FAILED"), of("COMPLETED")]
  const pick = <A>(rows: ReadonlyArray<A>, index: number): A => rows[index % rows.length] as A
  const accessOf = (row: { team_id: string }) =>
    Either.getOrThrow(
      authorize(principalOf(TeamId.make(BigInt(row.team_id))), TeamId.make(BigInt(row.team_id)), "write")
    )
  const run = <A, E>(effect: Effect.Effect<A, E, BackfillRepository | WorkerRepository>) => runtime.runPromise(effect)
  const repository = <A, E>(use: (ports: BackfillRepository["Type"]) => Effect.Effect<A, E>) =>
    run(Effect.flatMap(BackfillRepository, use))
  const idOf = (row: { id: string }) => BackfillId.make(BigInt(row.id))
  const transferOf = (row: { transfer_id: string }) => TransferId.make(BigInt(row.transfer_id))
  const earlyRange = (index: number) => Either.getOrThrow(makeDateRange(earlyDay(index), earlyDay(index)))
  /** Pages as full at every size: each team holds 45 completed backfills at 10 k, half of them below `size / 2`. */
  const page = (before: Option.Option<BackfillId>) => ({ statuses: ["COMPLETED"] as const, before, limit: PAGE })
  const ops: ReadonlyArray<readonly [string, (index: number) => Promise<unknown>]> = [
    ["get", (i) => repository((r) => r.findForTeam(accessOf(pick(final, i)), idOf(pick(final, i))))],
    ["latest", (i) => repository((r) => r.latestForTransfer(accessOf(pick(final, i)), transferOf(pick(final, i))))],
    ["list, first page", (i) => repository((r) => r.listForTeam(accessOf(pick(final, i)), page(Option.none())))],
    [
      "list, deep cursor",
      (i) =>
        repository((r) => r.listForTeam(accessOf(pick(final, i)), page(Option.some(BackfillId.make(BigInt(size / 2))))))
    ],
    [
      "ledger",
      (i) =>
        repository((r) =>
          r.runsOf(accessOf(pick(final, i)), idOf(pick(final, i)), {
            states: ["completed", "failed"],
            before: Option.none(),
            limit: PAGE
          })
        )
    ],
    [
      "preview",
      (i) => repository((r) => r.activeOverlapping(accessOf(pick(final, i)), transferOf(pick(final, i)), earlyRange(i)))
    ],
    [
      "schedule",
      (i) => {
        const row = pick(final, i)
        const unsaved = newBackfill({
          transferId: transferOf(row),
          range: earlyRange(i),
          createdTime: EpochSeconds.make(1_800_000_000),
          createdUserId: UserId.make(789n)
        })
        return repository((r) => Effect.either(r.insertUnlessOverlapping(accessOf(row), unsaved)))
      }
    ],
    [
      "cancel",
      (i) =>
        repository((r) =>
          Effect.either(r.cancel(accessOf(pick(active, i)), idOf(pick(active, i)), EpochSeconds.make(1_800_000_000)))
        )
    ],
    [
      "retry",
      (i) => repository((r) => Effect.either(r.retry(accessOf(pick(failed, i)), idOf(pick(failed, i)), Option.none())))
    ],
    ["claim, start, record, release", (i) => run(workerCycle(i))]
  ]
  for (const [, op] of ops) await timeSequential(30, (index) => op(SAMPLES + index))
  return { ops, dispose: () => runtime.dispose() }
}

/**
 * Every operation timed on every size in alternating rounds (`ROUNDS` of `SAMPLES /
 * ROUNDS` calls), so that a busy moment of the machine falls on every size alike.
 */
const timeAlternating = async (sizes: ReadonlyArray<ReadonlyArray<Operation>>): Promise<ReadonlyArray<Timed>> => {
  const latencies = sizes.map(() => new Map<string, Array<number>>())
  const names = (sizes[0] ?? []).map(([name]) => name)
  for (const [at, name] of names.entries())
    for (let round = 0; round < ROUNDS; round++)
      for (const [size, ops] of sizes.entries()) {
        const op = ops[at]?.[1] ?? (() => undefined)
        const taken = await latenciesOf(SAMPLES / ROUNDS, op, round * (SAMPLES / ROUNDS))
        latencies[size]?.set(name, [...(latencies[size]?.get(name) ?? []), ...taken])
      }
  return latencies.map(
    (byName) => new Map([...byName].map(([name, taken]) => [name, summarise(taken, Number.NaN)] as const))
  )
}

const ms = (micros: number) => (micros / 1000).toFixed(2)

export const costCurves = async (log: (line: string) => void): Promise<ReadonlyArray<Result>> => {
  const curves = await withSchema((small) =>
    withSchema((middle) =>
      withSchema(async (large) => {
        const prepared = []
        for (const [at, schema] of [small, middle, large].entries())
          prepared.push(await prepareSize(SIZES[at] ?? 0, schema, log))
        try {
          const timed = await timeAlternating(prepared.map(({ ops }) => ops))
          return new Map(SIZES.map((size, at) => [size, timed[at] ?? new Map<string, Timing>()] as const))
        } finally {
          for (const { dispose } of prepared) await dispose()
        }
      })
    )
  )
  const smallest = curves.get(SIZES[0]) ?? new Map<string, Timing>()
  const largest = curves.get(1_000_000) ?? new Map<string, Timing>()
  log(`  p50 / p99 in ms, ${SAMPLES} calls each, one after the other, the sizes alternating in ${ROUNDS} rounds`)
  log(
    `  ${"operation".padEnd(32)}${SIZES.map((size) => `${size.toLocaleString("en")} backfills`.padStart(24)).join("")}`
  )
  return [...smallest.keys()].map((name) => {
    log(
      `  ${name.padEnd(32)}${SIZES.map((size) => {
        const timing = curves.get(size)?.get(name)
        return `${ms(timing?.p50Micros ?? Number.NaN)} / ${ms(timing?.p99Micros ?? Number.NaN)}`.padStart(24)
      }).join("")}`
    )
    const small = smallest.get(name)?.p50Micros ?? Number.NaN
    const large = largest.get(name)?.p50Micros ?? Number.NaN
    return {
      name: `8. cost curve, ${name}: p50 at 1 M backfills vs at 10 k`,
      value: Math.round(large) / 1000,
      unit: "ms",
      baseline: Math.round(small) / 1000,
      ratio: Math.round((large / small) * 100) / 100,
      goal: `ratio ≤ ${GOAL}`,
      met: large / small <= GOAL
    }
  })
}
