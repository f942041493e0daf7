/**
 * Rows as PostgreSQL hands them back, decoded by a schema into the entity: exact int64s,
 * whole seconds, and a row that no lifecycle could produce refused as a defect.
 */
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { backfillFromRow } from "../../src/adapters/postgres/rows.js"

const row = {
  id: "9223372036854775807",
  transfer_id: "456789",
  range_start: "2024-01-01",
  range_end: "2024-01-03",
  created_time: "1706778000",
  created_user_id: "789",
  removed_time: null,
  removed_user_id: null,
  start_time: "1706778060",
  end_time: "1706778120",
  status: "FAILED",
  runs_total: 3,
  runs_created: 3,
  runs_completed: 2,
  runs_failed: 1,
  error_report: [{ day: "2024-01-02", error: "Source table not found" }]
}

describe("a backfill row", () => {
  it("decodes to the entity, ids exact", () => {
    expect(backfillFromRow(row)).toEqual({
      id: 9223372036854775807n,
      transferId: 456789n,
      range: { start: "2024-01-01", end: "2024-01-03" },
      createdTime: 1706778000,
      createdUserId: 789n,
      removal: Option.none(),
      startTime: Option.some(1706778060),
      endTime: Option.some(1706778120),
      status: "FAILED",
      runs: { total: 3, created: 3, completed: 2, failed: 1 },
      errorReport: [{ day: "2024-01-02", error: "Source table not found" }]
    })
  })

  it("is refused when no lifecycle could produce it", () => {
    expect(() => backfillFromRow({ ...row, status: "COMPLETED" })).toThrow(/COMPLETED backfill has every run completed/)
    expect(() => backfillFromRow({ ...row, error_report: [] })).toThrow()
    expect(() => backfillFromRow({ ...row, status: "DONE" })).toThrow()
    expect(() => backfillFromRow({ ...row, removed_time: "1706778200", removed_user_id: "789" })).toThrow(
      /removed_time and removed_user_id are set exactly when the backfill is CANCELLED/
    )
  })
})
