import { describe, expect, it } from "@effect/vitest"
import { Either, Equal, FastCheck as fc } from "effect"
import {
  ACTIVE_STATUSES,
  ALL_EVENTS,
  ALL_STATUSES,
  type BackfillStatus,
  canTransition,
  FINAL_STATUSES,
  IllegalTransition,
  isActive,
  isFinal,
  LifecycleEvent,
  transition
} from "../../src/domain/status.js"

/** SPEC §4's diagram, edge by edge. */
const SPEC_EDGES = new Set([
  "CREATED->SCHEDULED",
  "SCHEDULED->RUNNING",
  "RUNNING->COMPLETED",
  "RUNNING->FAILED",
  "FAILED->SCHEDULED",
  "CREATED->CANCELLED",
  "SCHEDULED->CANCELLED",
  "RUNNING->CANCELLED",
  "FAILED->CANCELLED"
])

const status = fc.constantFrom(...ALL_STATUSES)
const event = fc.constantFrom(...ALL_EVENTS)

describe("backfill status", () => {
  it("has the six statuses of SPEC §2", () => {
    expect(ALL_STATUSES).toEqual(["CREATED", "SCHEDULED", "RUNNING", "FAILED", "COMPLETED", "CANCELLED"])
  })

  it("counts every non-final status as active", () => {
    expect(ACTIVE_STATUSES).toEqual(["CREATED", "SCHEDULED", "RUNNING", "FAILED"])
    expect(FINAL_STATUSES).toEqual(["COMPLETED", "CANCELLED"])
    for (const s of ALL_STATUSES) {
      expect(isActive(s)).toBe(!FINAL_STATUSES.includes(s as never))
      expect(isFinal(s)).toBe(!isActive(s))
    }
  })

  it("allows exactly the edges of SPEC §4", () => {
    for (const from of ALL_STATUSES) {
      for (const to of ALL_STATUSES) {
        expect(canTransition(from, to), `${from}->${to}`).toBe(SPEC_EDGES.has(`${from}->${to}`))
      }
    }
  })

  it.prop(
    "moves only along SPEC §4's edges, whatever the event",
    [status, event],
    ([from, lifecycleEvent]) => {
      Either.match(transition(from, lifecycleEvent), {
        onRight: (to) => expect(SPEC_EDGES.has(`${from}->${to}`)).toBe(true),
        onLeft: (error) => {
          expect(error).toEqual(new IllegalTransition({ from, event: lifecycleEvent._tag }))
        }
      })
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.prop(
    "never moves a final backfill",
    [fc.constantFrom(...FINAL_STATUSES), event],
    ([from, lifecycleEvent]) => {
      expect(Either.isLeft(transition(from, lifecycleEvent))).toBe(true)
    },
    { fastCheck: { numRuns: 200 } }
  )

  const table: ReadonlyArray<readonly [BackfillStatus, LifecycleEvent, BackfillStatus]> = [
    ["CREATED", LifecycleEvent.AllRunsCreated(), "SCHEDULED"],
    ["SCHEDULED", LifecycleEvent.RunStarted(), "RUNNING"],
    ["RUNNING", LifecycleEvent.AllRunsFinished({ anyFailed: false }), "COMPLETED"],
    ["RUNNING", LifecycleEvent.AllRunsFinished({ anyFailed: true }), "FAILED"],
    ["FAILED", LifecycleEvent.FailedDaysRetried(), "SCHEDULED"],
    ["CREATED", LifecycleEvent.Cancelled(), "CANCELLED"],
    ["SCHEDULED", LifecycleEvent.Cancelled(), "CANCELLED"],
    ["RUNNING", LifecycleEvent.Cancelled(), "CANCELLED"],
    ["FAILED", LifecycleEvent.Cancelled(), "CANCELLED"]
  ]

  it.each(table)("moves %s on %o to %s", (from, lifecycleEvent, to) => {
    expect(transition(from, lifecycleEvent)).toEqual(Either.right(to))
  })

  it("refuses each event in every other status", () => {
    for (const from of ALL_STATUSES) {
      for (const lifecycleEvent of ALL_EVENTS) {
        const allowed = table.some(([f, e]) => f === from && Equal.equals(e, lifecycleEvent))
        expect(Either.isRight(transition(from, lifecycleEvent)), `${from} on ${JSON.stringify(lifecycleEvent)}`).toBe(
          allowed
        )
      }
    }
  })
})
