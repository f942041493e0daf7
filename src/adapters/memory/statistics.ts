/**
 * `BackfillStatistics` in memory: counted over the backfills with work, the way the
 * PostgreSQL adapter counts them, a live lease standing for its backfill's one running day.
 */
import { Option } from "effect"
import { isLeaseLive } from "../../domain/runs.js"
import type { BackfillCounts } from "../../ports/backfillStatistics.js"
import type { MemoryStore } from "./store.js"

/** The store's counts now. */
export const countsOf = (store: MemoryStore, nowMillis: number): BackfillCounts => {
  const withWork = { CREATED: 0, SCHEDULED: 0, RUNNING: 0 }
  let unreported = 0
  let leased = 0
  for (const { backfill, lease } of store.withWorkRecords()) {
    if (backfill.status === "CREATED" || backfill.status === "SCHEDULED" || backfill.status === "RUNNING")
      withWork[backfill.status] += 1
    unreported += backfill.runs.total - backfill.runs.completed - backfill.runs.failed
    if (Option.exists(lease, (held) => isLeaseLive(held, nowMillis))) leased += 1
  }
  return { withWork, pendingDays: unreported - leased, runningDays: leased }
}
