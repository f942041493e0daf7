/**
 * The worker side (SPEC §4), as one namespace: the steps a worker takes to drive
 * backfills to a final state (`workerSteps.ts`), its work on one claimed backfill around a
 * host's executor of transfer runs, holding its lease all along (`workerBackfill.ts`,
 * `leaseKeeper.ts`), the loop that goes from backfill to backfill (`workerLoop.ts`), and
 * the loop's health (`workerHealth.ts`).
 *
 * Workers are trusted callers: no authentication, and errors that say exactly what
 * happened (`domain/workerErrors.ts`).
 */
export * from "./workerBackfill.js"
export { makeWorkerHealth, type WorkerHealth } from "./workerHealth.js"
export * from "./workerLoop.js"
export * from "./workerSteps.js"
