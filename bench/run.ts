/**
 * `npm run bench`: every benchmark of the performance budget, side by side with its
 * baseline in one run, printed as one table and written to bench/results.json.
 * PostgreSQL benchmarks use DATABASE_URL, else the local server on 127.0.0.1:5432, else an
 * embedded PGlite (one connection, so their concurrency figures then say little).
 * `npm run bench -- 5 8` runs only sections 5 and 8 and replaces only their rows.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { arch, cpus, platform } from "node:os"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"
import { embeddedPostgres } from "../src/host/database.js"
import { costCurves } from "./costCurves.js"
import { domainOverhead, overlapScaling } from "./domain.js"
import { hostStart } from "./hostStart.js"
import { httpHost } from "./http.js"
import type { Result } from "./measure.js"
import { postgresKeyedSchedule, postgresSchedule, postgresWorker, usePostgres } from "./postgres.js"
import { startup } from "./startup.js"
import { tracingCost } from "./tracing.js"
import { fairTurns, workerDayCycle } from "./turns.js"

const log = (line: string) => process.stdout.write(`${line}\n`)

const reachable = (url: string) =>
  Effect.runPromise(
    Effect.scoped(Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))).pipe(
      Effect.as(true),
      Effect.catchAll(() => Effect.succeed(false))
    )
  )

const started = performance.now()
log(
  `transfer-backfills benchmarks — ${new Date().toISOString()}, Node ${process.version}, ${platform()} ${arch()}, ${cpus().length} cores`
)

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const scope = Effect.runSync(Scope.make())
let databaseUrl: string | undefined = serverUrl
if (await reachable(serverUrl)) {
  usePostgres(serverUrl, 64)
  log(`PostgreSQL: ${serverUrl.replace(/\/\/[^@]*@/, "//")}`)
} else {
  const embedded = await Effect.runPromise(Scope.extend(embeddedPostgres(), scope))
  usePostgres(embedded.url, 1)
  databaseUrl = undefined
  log("PostgreSQL: no server reachable, embedded PGlite (one connection)")
}

const chosen = process.argv.slice(2)
/** The section a title or a row's name belongs to: its leading number ("4" of "4c."). */
const sectionOf = (name: string) => /^\d+/.exec(name)?.[0] ?? name
const results: Array<Result> = []
const section = async (title: string, run: () => Promise<Result | ReadonlyArray<Result>>) => {
  if (chosen.length > 0 && !chosen.includes(sectionOf(title))) return
  log(`\n${title}`)
  const outcome = await run()
  results.push(...(Array.isArray(outcome) ? outcome : [outcome as Result]))
}

try {
  await section("1. Domain overhead (in memory)", () => domainOverhead(log))
  await section("1b. The operations' spans (in memory)", () => tracingCost(log))
  await section("2. Overlap scaling (in memory)", () => overlapScaling(log))
  await section("3. PostgreSQL schedule", () => postgresSchedule(log))
  await section("3b. PostgreSQL schedule with an Idempotency-Key", () => postgresKeyedSchedule(log))
  await section("4. Worker throughput on PostgreSQL", () => postgresWorker(log))
  await section("4c. The cost of fair turns on PostgreSQL", () => fairTurns(log))
  await section("4d. The worker's day against a bare queue on PostgreSQL", () => workerDayCycle(log))
  await section("5. HTTP host", () => httpHost(log, databaseUrl))
  await section("6. Start-up and size", () => startup(log))
  await section("7. npm start", () => hostStart(log))
  await section("8. Cost curves on PostgreSQL", () => costCurves(log))
} finally {
  await Effect.runPromise(Scope.close(scope, Exit.void))
}

const resultsFile = new URL("results.json", import.meta.url)
const kept =
  chosen.length === 0
    ? []
    : (JSON.parse(readFileSync(resultsFile, "utf8")) as Array<Result>).filter(
        (result) => !chosen.includes(sectionOf(result.name))
      )
const written = [...kept, ...results].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }))
writeFileSync(resultsFile, `${JSON.stringify(written, null, 2)}\n`)
log("")
console.table(
  results.map((result) => ({
    benchmark: result.name.slice(0, 60),
    value: `${result.value} ${result.unit}`,
    baseline: `${result.baseline} ${result.unit}`,
    ratio: result.ratio,
    goal: result.goal,
    met: result.met ? "yes" : "NO"
  }))
)
log(`\nWritten to bench/results.json in ${((performance.now() - started) / 1000).toFixed(0)} s.`)
