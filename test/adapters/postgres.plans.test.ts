/**
 * Every statement the PostgreSQL adapter sends on its hot paths, planned on a database
 * seeded like a busy service's: no sequential scan of the backfill, run or key tables,
 * so each statement's cost follows what it touches, not how much is stored. The
 * statements are the adapter's own, recorded as it runs each operation, then explained
 * with their parameters.
 */
import { SqlClient, Statement } from "@effect/sql"
import { Effect, Either, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerPostgresBackfillRepository } from "../../src/adapters/postgres/repository.js"
import { authorize, type Principal } from "../../src/domain/access.js"
import { newBackfill } from "../../src/domain/backfill.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { makeDateRange } from "../../src/domain/dateRange.js"
import { IdempotencyKey } from "../../src/domain/idempotency.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { completed, WorkerId } from "../../src/domain/runs.js"
import { EpochSeconds } from "../../src/domain/time.js"
import { BackfillOutbox } from "../../src/ports/backfillOutbox.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { freshSchema, openTestDatabase, type TestDatabase } from "../support/database.js"
import { seedBusyDatabase, seedBusyOutbox } from "../support/seedBusy.js"

const SIZE = { backfills: 20_000, teams: 50, transfers: 500 } as const
const { backfills: BACKFILLS, teams: TEAMS } = SIZE
/** Tables whose size grows with use: a statement that scans one costs more every day. */
const GROWING_TABLES = ["backfills", "backfill_runs", "backfill_idempotency_keys", "backfill_events"]
const SEEDING_TIMEOUT_MS = 180_000

interface Recorded {
  readonly operation: string
  readonly text: string
  readonly params: ReadonlyArray<unknown>
}

/** The sequential scans of growing tables anywhere in an EXPLAIN (FORMAT JSON) plan. */
const growingScans = (plan: unknown): ReadonlyArray<string> => {
  if (typeof plan !== "object" || plan === null) return []
  const node = plan as { "Node Type"?: string; "Relation Name"?: string; Plans?: ReadonlyArray<unknown> }
  const here =
    node["Node Type"] === "Seq Scan" && GROWING_TABLES.includes(node["Relation Name"] ?? "")
      ? [node["Relation Name"] ?? ""]
      : []
  return [...here, ...(node.Plans ?? []).flatMap(growingScans)]
}

/** Every index an EXPLAIN (FORMAT JSON) plan reads, anywhere in it. */
const indexesRead = (plan: unknown): ReadonlyArray<string> => {
  if (typeof plan !== "object" || plan === null) return []
  const node = plan as { "Index Name"?: string; Plans?: ReadonlyArray<unknown> }
  return [...(node["Index Name"] === undefined ? [] : [node["Index Name"]]), ...(node.Plans ?? []).flatMap(indexesRead)]
}

/**
 * The indexes of the backfill table a plan reads other than the two of active backfills
 * only (which of the two the planner takes depends on the size), or a note that it reads
 * none: empty for a plan that never looks at a transfer's history.
 */
const backfillIndexesOtherThanActive = (plan: unknown) => {
  const onBackfills = indexesRead(plan).filter((name) => name.startsWith("backfills_"))
  return onBackfills.length === 0
    ? ["(no index of backfills)"]
    : onBackfills.filter((name) => !["backfills_active_by_transfer", "backfills_active_ranges_disjoint"].includes(name))
}

const team = TeamId.make(1n + (1000n % BigInt(TEAMS)))
const transfer = TransferId.make(1000n)
const principal: Principal = {
  userId: UserId.make(789n),
  teamIds: [team],
  scopes: ["dwh_transfers_write", "dwh_transfers_read"],
  permissions: ["dwh.transfer.edit", "dwh.transfer.view"]
}
const access = Either.getOrThrow(authorize(principal, team, "write"))
const key = (text: string) => ({
  key: IdempotencyKey.make(text),
  fingerprint: text,
  now: EpochSeconds.make(1_800_000_000),
  expiresAt: EpochSeconds.make(1_800_086_400)
})
const day = (text: string) => text as CalendarDate

let database: TestDatabase
let schema: string
let runtime: ManagedRuntime.ManagedRuntime<
  BackfillRepository | WorkerRepository | BackfillOutbox | SqlClient.SqlClient,
  unknown
>
const recorded: Array<Recorded> = []

/** Runs `effect`, recording every statement it sends as `operation`'s. */
const recording = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>) =>
  Statement.withTransformer(effect, (statement) =>
    Effect.sync(() => {
      const [text, params] = statement.compile()
      recorded.push({ operation, text, params })
      return statement
    })
  )

beforeAll(async () => {
  database = await openTestDatabase()
  const client = Layer.succeedContext(database.client)
  const repository = Layer.unwrapScoped(
    Effect.map(
      Effect.tap(freshSchema, (fresh) => {
        schema = fresh
        return Effect.zipRight(seedBusyDatabase(fresh, SIZE), seedBusyOutbox(fresh))
      }),
      (fresh) => layerPostgresBackfillRepository({ schema: fresh })
    )
  ).pipe(Layer.provideMerge(client))
  runtime = ManagedRuntime.make(repository)
  await runtime.runPromise(
    Effect.gen(function* () {
      const repository = yield* BackfillRepository
      const worker = yield* WorkerRepository
      const [seeded] = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ active: string; failed: string; final: string }>`
            SELECT max(id) FILTER (WHERE status = 'CREATED')::text AS active,
                   max(id) FILTER (WHERE status = 'FAILED')::text AS failed,
                   max(id) FILTER (WHERE status = 'COMPLETED')::text AS final
            FROM ${sql.literal(`"${schema}".backfills`)} WHERE team_id = ${String(team)} AND id <= ${BACKFILLS / 2}`
      )
      if (seeded === undefined) throw new Error("nothing seeded")
      const [seededActive, seededFailed, seededFinal] = [seeded.active, seeded.failed, seeded.final].map((id) =>
        BackfillId.make(BigInt(id))
      ) as [BackfillId, BackfillId, BackfillId]
      const range = Either.getOrThrow(makeDateRange(day("2024-01-01"), day("2024-01-05")))
      const unsaved = newBackfill({
        transferId: transfer,
        range,
        createdTime: EpochSeconds.make(1_800_000_000),
        createdUserId: principal.userId
      })
      const created = yield* recording("schedule", repository.insertUnlessOverlapping(access, unsaved, key("new")))
      yield* recording("get", repository.findForTeam(access, seededFinal))
      yield* recording("latest", repository.latestForTransfer(access, transfer))
      yield* recording("preview", repository.activeOverlapping(access, transfer, range))
      const page = { statuses: ["CREATED", "SCHEDULED", "RUNNING", "FAILED"] as const, limit: 20 }
      yield* recording("list, first page", repository.listForTeam(access, { ...page, before: Option.none() }))
      yield* recording(
        "list, deep cursor",
        repository.listForTeam(access, { ...page, before: Option.some(BackfillId.make(BigInt(BACKFILLS / 10))) })
      )
      const runPage = { states: ["completed", "failed"] as const, limit: 5 }
      yield* recording(
        "ledger, first page",
        repository.runsOf(access, seededFinal, { ...runPage, before: Option.none() })
      )
      yield* recording(
        "ledger, deep cursor",
        repository.runsOf(access, seededFinal, { ...runPage, before: Option.some(day("1990-01-05")) })
      )
      yield* recording("cancel", repository.cancel(access, seededActive, EpochSeconds.make(1_800_000_100), key("c")))
      yield* recording("retry", repository.retry(access, seededFailed, Option.none(), key("r")))
      const lease = yield* recording("claim", worker.claim(WorkerId.make("plans"), 1_800_000_000_000, 60_000))
      expect(Option.isSome(lease)).toBe(true)
      if (Option.isNone(lease)) return
      yield* recording("materialise", worker.materialiseRuns(lease.value.backfillId, 10))
      const started = yield* recording("start a day", worker.startNextRun(lease.value, 1_800_000_001_000))
      if (Option.isSome(started)) {
        yield* recording(
          "record an outcome",
          worker.recordOutcome(lease.value.backfillId, started.value.day, completed, 1_800_000_002_000, lease.value)
        )
      }
      const renewed = yield* recording("renew", worker.renewLease(lease.value, 1_800_000_003_000, 60_000))
      yield* recording("release", worker.releaseLease(renewed))
      yield* recording("retry failed days", worker.retryFailedDays(created.id).pipe(Effect.ignore))
      const outbox = yield* BackfillOutbox
      yield* recording("a backfill's events", outbox.eventsOf(access, seededFinal, 2, 100))
      const now = 1_800_000_004_000
      const held = yield* recording(
        "relay: hold",
        outbox.hold("plans", now, 30_000, { backfills: 4, eventsPerBackfill: 10 })
      )
      const [first, second] = held
      expect(second).toBeDefined()
      if (first === undefined || second === undefined) return
      const through = first.events.at(-1)?.event.sequence ?? 0
      yield* recording("relay: delivered", outbox.markDelivered("plans", first.backfillId, through, now))
      const failed = { relayId: "plans", id: second.backfillId, error: "refused", nowMillis: now }
      const sequence = second.events[0]?.event.sequence ?? 0
      yield* recording(
        "relay: failed",
        outbox.markFailed({ ...failed, sequence, retryAtMillis: Option.some(now + 1000) })
      )
    })
  )
}, SEEDING_TIMEOUT_MS)

afterAll(async () => {
  await runtime?.dispose()
  await database?.close()
})

describe("the PostgreSQL adapter's statements, on a seeded database", () => {
  it("cover every hot operation", () => {
    const operations = new Set(recorded.map(({ operation }) => operation))
    for (const operation of [
      "schedule",
      "get",
      "list, deep cursor",
      "ledger, deep cursor",
      "cancel",
      "retry",
      "claim",
      "a backfill's events",
      "relay: hold",
      "relay: delivered",
      "relay: failed"
    ])
      expect(operations).toContain(operation)
  })

  it(
    "never scan the backfill, run or key tables from end to end",
    async () => {
      const plans = await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.forEach(
            recorded.filter(({ text }) => /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(text)),
            ({ operation, text, params }) =>
              Effect.map(
                sql.unsafe<{ "QUERY PLAN": ReadonlyArray<{ Plan: unknown }> }>(`EXPLAIN (FORMAT JSON) ${text}`, [
                  ...params
                ]),
                (rows) => ({ operation, text, scans: growingScans(rows[0]?.["QUERY PLAN"][0]?.Plan) })
              )
          )
        )
      )
      expect(plans.length).toBeGreaterThan(15)
      expect(plans.filter(({ scans }) => scans.length > 0)).toEqual([])
    },
    SEEDING_TIMEOUT_MS
  )

  /** The statement a preview sent, and its parameters. */
  const recordedPreview = () => {
    const preview = recorded.find(({ operation }) => operation === "preview")
    if (preview === undefined) throw new Error("no preview was recorded")
    return preview
  }

  it(
    "read only a transfer's active backfills for a preview, not every backfill it ever had",
    async () => {
      const preview = recordedPreview()
      const [row] = await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql.unsafe<{ "QUERY PLAN": ReadonlyArray<{ Plan: unknown }> }>(`EXPLAIN (FORMAT JSON) ${preview.text}`, [
            ...preview.params
          ])
        )
      )
      expect(backfillIndexesOtherThanActive(row?.["QUERY PLAN"][0]?.Plan)).toEqual([])
    },
    SEEDING_TIMEOUT_MS
  )

  it(
    "and so in the generic plan a connection caches for the preview's prepared statement",
    async () => {
      const preview = recordedPreview()
      const params = [...preview.params]
      const [row] = await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql.withTransaction(
            Effect.gen(function* () {
              // What the server plans once and reuses for every later preview on the connection.
              yield* sql.unsafe("SET LOCAL plan_cache_mode = force_generic_plan")
              yield* sql.unsafe(`PREPARE cached_preview AS ${preview.text}`)
              // EXECUTE takes its arguments as expressions: the recorded values, quoted.
              const quoted = params.map((value) => `'${String(value).replaceAll("'", "''")}'`).join(", ")
              const plan = yield* sql.unsafe<{ "QUERY PLAN": ReadonlyArray<{ Plan: unknown }> }>(
                `EXPLAIN (FORMAT JSON) EXECUTE cached_preview(${quoted})`
              )
              yield* sql.unsafe("DEALLOCATE cached_preview")
              return plan
            })
          )
        )
      )
      expect(backfillIndexesOtherThanActive(row?.["QUERY PLAN"][0]?.Plan)).toEqual([])
    },
    SEEDING_TIMEOUT_MS
  )
})
