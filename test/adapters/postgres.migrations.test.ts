/**
 * Migrations keep the status lists they were written with (an applied migration never
 * changes); these tests pin those literals to the domain's status sets, so that the
 * database and the code can never disagree on which statuses are active or have work.
 */
import { describe, expect, it } from "vitest"
import { MIGRATIONS } from "../../src/adapters/postgres/schemaVersions.js"
import { sqlStatusList } from "../../src/adapters/postgres/statusSql.js"
import { ACTIVE_STATUSES, ALL_STATUSES, WITH_WORK_STATUSES } from "../../src/domain/status.js"

const statements = MIGRATIONS.flatMap((migration) => migration.statements).join("\n")

describe("the migrations' status lists", () => {
  it("allow exactly the six statuses", () => {
    expect(statements).toContain(`CHECK (status IN ${sqlStatusList(ALL_STATUSES)})`)
  })

  it("keep the active statuses disjoint, as domain/status.ts lists them", () => {
    expect(statements).toMatch(
      /EXCLUDE USING gist[\s\S]*WHERE \(status IN \('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED'\)\)/
    )
    expect(sqlStatusList(ACTIVE_STATUSES)).toBe("('CREATED', 'SCHEDULED', 'RUNNING', 'FAILED')")
  })

  it("index the statuses with work, as domain/status.ts lists them", () => {
    expect(statements).toContain(
      `backfills_with_work ON {schema}.backfills (id) WHERE status IN ${sqlStatusList(WITH_WORK_STATUSES)}`
    )
  })
})
