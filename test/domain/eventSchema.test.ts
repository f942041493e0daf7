/**
 * The events' JSON Schema in docs/events.md is the one the event schemas generate, and
 * every event a store appends over a backfill's whole life, encoded as the sinks send it,
 * is valid against it; the encoding and the wire schema agree, and `changeEvents` never
 * makes an event for a change nobody can see.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import addFormats from "ajv-formats"
import { Effect, JSONSchema, Schema } from "effect"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { BackfillEventWire, changeEvents, encodeEvent } from "../../src/domain/events.js"
import { completed, failed } from "../../src/domain/runs.js"
import { epochSecondsFromMillis } from "../../src/domain/time.js"
import { eventsOf } from "../../src/testing/conformance/outbox/events.js"
import * as steps from "../../src/testing/conformance/steps.js"
import { T0, USER } from "../../src/testing/conformance/world.js"

const documented = () => {
  const text = readFileSync(new URL("../../docs/events.md", import.meta.url), "utf8")
  const block = /<!-- event-schema:start -->\n```json\n([\s\S]*?)\n```\n<!-- event-schema:end -->/.exec(text)
  return JSON.parse(block?.[1] ?? "null") as unknown
}

describe("the events' JSON Schema", () => {
  it("in docs/events.md is the one BackfillEventWire generates", () => {
    expect(documented()).toEqual(JSONSchema.make(BackfillEventWire))
  })

  it.effect("accepts every event of a backfill's whole life, as the sinks send it, and decodes it back", () =>
    Effect.gen(function* () {
      const ajv = new Ajv({ strict: false })
      addFormats.default(ajv)
      const validate = ajv.compile(JSONSchema.make(BackfillEventWire))
      const repo = yield* steps.repository
      const { backfill, lease } = yield* steps.readyToRun("2024-01-01", "2024-01-03")
      yield* steps.startNext(lease, T0 + 1000)
      yield* steps.report(backfill.id, "2024-01-03", completed, T0 + 2000)
      yield* steps.report(backfill.id, "2024-01-02", failed("no data"), T0 + 3000)
      yield* repo.retry(backfill.id)
      yield* repo.cancel(backfill.id, { time: epochSecondsFromMillis(T0 + 4000), userId: USER })
      const events = yield* eventsOf(backfill.id)
      expect(new Set(events.map((event) => event.type)).size).toBe(8)
      for (const event of events) {
        // Through JSON, as a receiver reads it (ids are small here, so numbers are exact).
        const wire = JSON.parse(
          JSON.stringify(encodeEvent(event), (_, value) => (typeof value === "bigint" ? Number(value) : value))
        )
        expect(validate(wire), JSON.stringify(validate.errors)).toBe(true)
        const decoded = yield* Schema.decodeUnknown(BackfillEventWire)(wire)
        expect(decoded.event_id).toBe(`${backfill.id}-${event.sequence}`)
      }
    }).pipe(Effect.provide(layerMemoryBackfillRepository()))
  )
})

describe("changeEvents", () => {
  const at = (
    status: "CREATED" | "SCHEDULED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED",
    completedDays = 0
  ) => ({
    status,
    runs: { total: 2, created: 2, completed: completedDays, failed: 0 }
  })

  it("makes none for a change nobody can see, and one per step of the way otherwise", () => {
    expect(changeEvents(at("RUNNING"), at("RUNNING"))).toEqual([])
    expect(changeEvents(at("CREATED"), at("CREATED"))).toEqual([])
    expect(changeEvents(at("SCHEDULED"), at("CANCELLED")).map((event) => event.type)).toEqual(["backfill.cancelled"])
    expect(
      changeEvents(at("SCHEDULED"), at("COMPLETED", 2), { day: { _tag: "Completed", day: "2024-01-01" as never } }).map(
        (event) => [event.type, event.status]
      )
    ).toEqual([
      ["backfill.running", "RUNNING"],
      ["day.completed", "COMPLETED"],
      ["backfill.completed", "COMPLETED"]
    ])
  })
})
