/**
 * The reference host's logs: one JSON line per log, with the ids the library annotates
 * as top-level keys, from the level `LOG_LEVEL` names up.
 */
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { vi } from "vitest"
import { hostConfigFromEnv } from "../../src/host/config.js"
import { layerHostLogger } from "../../src/host/logging.js"

let written: Array<string> = []

beforeEach(() => {
  written = []
  vi.spyOn(console, "log").mockImplementation((line: string) => {
    written.push(line)
  })
})

afterEach(() => {
  vi.restoreAllMocks()
})

const parsed = () => written.map((line) => JSON.parse(line) as Record<string, unknown>)

describe("the host's logger", () => {
  it.effect("writes a log, its annotations and its cause as one JSON line", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2024-01-31T12:34:56.789Z"))
      yield* Effect.logError("The worker step failed", Cause.fail(new Error("connection reset"))).pipe(
        Effect.annotateLogs({ request_id: "req-1", team_id: "1", backfill_id: "42", worker_id: "host-7" })
      )
      expect(written).toHaveLength(1)
      expect(written[0]).not.toContain("\n")
      const [line] = parsed()
      expect(line).toMatchObject({
        time: "2024-01-31T12:34:56.789Z",
        level: "error",
        message: "The worker step failed",
        request_id: "req-1",
        team_id: "1",
        backfill_id: "42",
        worker_id: "host-7"
      })
      expect(line?.cause).toContain("connection reset")
    }).pipe(Effect.provide(layerHostLogger(LogLevel.Info)))
  )

  it.effect("leaves out debug logs at info and writes them at debug", () =>
    Effect.gen(function* () {
      yield* Effect.logDebug("hidden")
      yield* Effect.logInfo("shown")
      yield* Effect.logDebug("shown at debug").pipe(Effect.provide(layerHostLogger(LogLevel.Debug)))
      expect(parsed().map(({ level, message }) => [level, message])).toEqual([
        ["info", "shown"],
        ["debug", "shown at debug"]
      ])
    }).pipe(Effect.provide(layerHostLogger(LogLevel.Info)))
  )

  it.effect("writes a bigint, annotated or logged, as its digits", () =>
    Effect.gen(function* () {
      yield* Effect.logInfo("Claimed", { backfillId: 9007199254740993n }).pipe(
        Effect.annotateLogs("team_id", 9007199254740993n)
      )
      const [line] = parsed()
      expect(line).toMatchObject({ team_id: "9007199254740993", details: { backfillId: "9007199254740993" } })
      expect(line).not.toHaveProperty("cause")
    }).pipe(Effect.provide(layerHostLogger(LogLevel.Info)))
  )

  it.effect("keeps the time, level and message of a log annotated with the same names", () =>
    Effect.gen(function* () {
      yield* Effect.logWarning("Lease lost").pipe(Effect.annotateLogs({ message: "forged", level: "info" }))
      expect(parsed()[0]).toMatchObject({ level: "warn", message: "Lease lost" })
    }).pipe(Effect.provide(layerHostLogger(LogLevel.Info)))
  )

  it.effect("is the only logger, even where runMain put its pretty one", () =>
    Effect.gen(function* () {
      yield* Effect.logInfo("once")
      expect(written).toHaveLength(1)
      expect(parsed()[0]).toMatchObject({ message: "once" })
    }).pipe(
      Effect.provide(
        layerHostLogger(LogLevel.Info).pipe(
          Layer.provide(Layer.merge(Logger.remove(Logger.defaultLogger), Logger.add(Logger.prettyLoggerDefault)))
        )
      )
    )
  )
})

const logLevelOf = (env: Record<string, string>) =>
  Effect.runPromiseExit(
    Effect.map(
      Effect.withConfigProvider(hostConfigFromEnv, ConfigProvider.fromMap(new Map(Object.entries(env)))),
      (config) => config.logLevel
    )
  )

describe("LOG_LEVEL", () => {
  it.each([
    ["trace", LogLevel.Trace],
    ["debug", LogLevel.Debug],
    ["INFO", LogLevel.Info],
    ["warning", LogLevel.Warning],
    ["Warn", LogLevel.Warning],
    ["error", LogLevel.Error],
    ["fatal", LogLevel.Fatal],
    ["none", LogLevel.None]
  ])("%s is a level", async (name, level) => {
    const exit = await logLevelOf({ LOG_LEVEL: name })
    expect(exit._tag === "Success" && exit.value).toBe(level)
  })

  it("is info when unset", async () => {
    const exit = await logLevelOf({})
    expect(exit._tag === "Success" && exit.value).toBe(LogLevel.Info)
  })

  it("refuses a name it does not know, saying which it knows", async () => {
    const exit = await logLevelOf({ LOG_LEVEL: "verbose" })
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("LOG_LEVEL")
    expect(JSON.stringify(exit)).toContain("must be one of trace, debug, info, warning, warn, error, fatal, none")
  })
})
