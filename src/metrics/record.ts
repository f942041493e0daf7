/**
 * Where the operations record the library's metrics (`instruments.ts`): each change once,
 * when it is made, and the gauges when the host collects them.
 */
import { Effect, Metric } from "effect"
import type { Backfill } from "../domain/backfill.js"
import type { RecordedOutcome } from "../domain/lifecycle.js"
import { hasEnded, WITH_WORK_STATUSES } from "../domain/status.js"
import { BackfillStatistics } from "../ports/backfillStatistics.js"
import { withKeyReplay } from "../ports/keyReplay.js"
import {
  backfillsFinished,
  backfillsWithWork,
  dayDuration,
  daysFinished,
  pendingDays,
  runningDays
} from "./instruments.js"
import { labelledWith } from "./labelled.js"

/**
 * A change, with `count` run on its answer unless the repository answered it from its
 * idempotency key; one made without a key (`keyed` false) cannot have been.
 */
export const countedOnce =
  <A>(keyed: boolean, count: (answer: A) => Effect.Effect<void>) =>
  <E, R>(change: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    keyed
      ? Effect.flatMap(withKeyReplay(change), ([answer, replayed]) =>
          replayed ? Effect.succeed(answer) : Effect.as(count(answer), answer)
        )
      : Effect.tap(change, count)

/** A backfill that just reached an end status, by that status. */
export const countFinished = (backfill: Backfill): Effect.Effect<void> =>
  Metric.increment(labelledWith(backfillsFinished, { "backfill.status": backfill.status }))

/** One recorded outcome: the day by its outcome and, when it was the last, the backfill. */
export const countOutcome = (recorded: RecordedOutcome): Effect.Effect<void> => {
  if (!recorded.counted) return Effect.void
  const day = Metric.increment(labelledWith(daysFinished, { "backfill.day.outcome": recorded.state }))
  return recorded.backfill.status !== "CANCELLED" && hasEnded(recorded.backfill.status)
    ? Effect.zipRight(day, countFinished(recorded.backfill))
    : day
}

/** How long a day took, from its start to its recorded outcome. */
export const timeDay = (startedMillis: number, recordedMillis: number): Effect.Effect<void> =>
  Metric.update(dayDuration, (recordedMillis - startedMillis) / 1000)

/**
 * Sets the gauges `backfill.count`, `backfill.day.pending` and `backfill.day.running` from
 * the store's counts. Hosts run it when their metrics are collected (the reference host:
 * on every scrape and every OTLP export), so the gauges are as fresh as the collection.
 *
 * @since 0.3.0
 * @category metrics
 */
export const recordBackfillGauges = Effect.flatMap(BackfillStatistics, (statistics) => statistics.counts).pipe(
  Effect.flatMap((counts) =>
    Effect.all(
      [
        ...WITH_WORK_STATUSES.map((status) =>
          Metric.set(labelledWith(backfillsWithWork, { "backfill.status": status }), counts.withWork[status])
        ),
        Metric.set(pendingDays, counts.pendingDays),
        Metric.set(runningDays, counts.runningDays)
      ],
      { discard: true }
    )
  )
)
