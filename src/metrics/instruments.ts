/**
 * The library's metrics, as Effect `Metric`s: every host that runs the operations, the
 * worker or the HTTP adapter records them, and exports them with whatever reads Effect's
 * metric registry (`@effect/opentelemetry`'s `Metrics.layer`, say). Names, units and
 * attributes follow OpenTelemetry's semantic conventions; the unit rides on a `unit` tag,
 * which is where `@effect/opentelemetry` reads it from. `Metric.tagged` on them reads
 * the series of one attribute value (`Metric.value`). No metric carries a team's or a
 * backfill's id: ids are unbounded, and every distinct value would be a series of its own.
 */
import { type Metric, MetricBoundaries, MetricKey } from "effect"
import { withLabels } from "./labelled.js"

const counter = (name: string, description: string, unit: string): Metric.Metric.Counter<number> =>
  withLabels(MetricKey.counter(name, { description, incremental: true }), { unit })

const seconds = (
  name: string,
  boundaries: MetricBoundaries.MetricBoundaries,
  description: string
): Metric.Metric.Histogram<number> => withLabels(MetricKey.histogram(name, boundaries, description), { unit: "s" })

const gauge = (name: string, description: string, unit: string): Metric.Metric.Gauge<number> =>
  withLabels(MetricKey.gauge(name, { description }), { unit })

/**
 * Bucket bounds in seconds for whole days of transfer runs and for the waits before them:
 * from a tenth of a second (the reference host's simulated days) to a day.
 */
const DAY_SCALE_SECONDS = MetricBoundaries.fromIterable([
  0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400
])

/**
 * OpenTelemetry's advised bucket bounds for `http.server.request.duration`, in seconds.
 */
const REQUEST_SECONDS = MetricBoundaries.fromIterable([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
])

/**
 * Backfills scheduled: each accepted `POST` once, a replay of its idempotency key not again.
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillsScheduled = counter("backfill.scheduled", "Backfills scheduled", "{backfill}")

/**
 * Backfills cancelled by a caller (each also counts as finished, `CANCELLED`).
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillsCancelled = counter("backfill.cancelled", "Backfills cancelled", "{backfill}")

/**
 * Failed backfills whose failed days were queued again, by the API's retry or a worker-side call.
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillsRetried = counter("backfill.retried", "Failed backfills retried", "{backfill}")

/**
 * Backfills that reached a final status, by that status (`backfill.status`: `COMPLETED`,
 * `FAILED` or `CANCELLED`). A retried backfill that fails again counts again.
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillsFinished = counter("backfill.finished", "Backfills that reached an end status", "{backfill}")

/**
 * Days whose outcome was recorded, by outcome (`backfill.day.outcome`: `completed` or
 * `failed`); an outcome reported twice counts once.
 *
 * @since 0.3.0
 * @category metrics
 */
export const daysFinished = counter("backfill.day.finished", "Days whose outcome was recorded", "{day}")

/**
 * Leases a worker lost to another worker before its turn ended.
 *
 * @since 0.3.0
 * @category metrics
 */
export const leasesLost = counter("backfill.lease.lost", "Leases lost to another worker", "{lease}")

/**
 * Worker steps that failed or died and were tried again, by `error.type` (the error's tag,
 * or `_OTHER` for a defect).
 *
 * @since 0.3.0
 * @category metrics
 */
export const workerStepFailures = counter(
  "backfill.worker.step.failures",
  "Worker steps that failed and were tried again",
  "{failure}"
)

/**
 * Requests a host refused for their rate limit (429).
 *
 * @since 0.3.0
 * @category metrics
 */
export const requestsRateLimited = counter(
  "backfill.request.rate_limited",
  "Requests refused for their rate limit",
  "{request}"
)

/**
 * How long one day took: from its start to its recorded outcome, in seconds.
 *
 * @since 0.3.0
 * @category metrics
 */
export const dayDuration = seconds(
  "backfill.day.duration",
  DAY_SCALE_SECONDS,
  "Time from a day's start to its recorded outcome"
)

/**
 * How long a backfill waited from its creation to its first running day, in seconds.
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillWait = seconds(
  "backfill.wait.duration",
  DAY_SCALE_SECONDS,
  "Time from a backfill's creation to its first running day"
)

/**
 * How long the HTTP adapter took to answer a request, in seconds, by `http.request.method`,
 * `http.route` (the route's template, absent for a path no route takes) and
 * `http.response.status_code`: OpenTelemetry's `http.server.request.duration`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const requestDuration = seconds(
  "http.server.request.duration",
  REQUEST_SECONDS,
  "Duration of HTTP server requests"
)

/**
 * Backfills with work, by status (`backfill.status`: `CREATED`, `SCHEDULED`, `RUNNING`),
 * as the repository last reported them (`recordBackfillGauges`).
 *
 * @since 0.3.0
 * @category metrics
 */
export const backfillsWithWork = gauge("backfill.count", "Backfills with work, by status", "{backfill}")

/**
 * Days of backfills with work not yet started, as the repository last reported them.
 *
 * @since 0.3.0
 * @category metrics
 */
export const pendingDays = gauge("backfill.day.pending", "Days waiting to run", "{day}")

/**
 * Days running now (a worker holds them), as the repository last reported them.
 *
 * @since 0.3.0
 * @category metrics
 */
export const runningDays = gauge("backfill.day.running", "Days running now", "{day}")

/**
 * Events a relay delivered to its sink (a redelivery after a crash counts again).
 *
 * @since 0.3.0
 * @category metrics
 */
export const eventsDelivered = counter("backfill.events.delivered", "Events delivered to the sink", "{event}")

/**
 * Deliveries a sink refused or did not answer in time, by `backfill.event.outcome`:
 * `retry` (due again after a backoff) or `dead_letter` (given up).
 *
 * @since 0.3.0
 * @category metrics
 */
export const eventDeliveryFailures = counter("backfill.events.failed", "Event deliveries that failed", "{event}")
