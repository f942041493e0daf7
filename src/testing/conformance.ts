/**
 * `transfer-backfills/testing/conformance`: the repository conformance suite: every promise of the `BackfillRepository` port as a
 * test. A host calls it from a vitest file with a layer that builds a fresh, empty
 * repository (each test provides the layer anew):
 *
 * ```ts
 * import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
 * backfillRepositoryConformance("my SQL repository", layerMyRepository)
 * ```
 *
 * @module transfer-backfills/testing/conformance
 */
import { describe } from "@effect/vitest"
import type { Layer } from "effect"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import type { OutboxRepositories } from "./conformance/outbox/steps.js"
import { API_PARTS, OUTBOX_PARTS, STATISTICS_PARTS, WORKER_PARTS } from "./conformance/parts.js"
import type { StatisticsRepositories } from "./conformance/statistics/counts.js"
import { type Repositories, type Tester, tester } from "./conformance/steps.js"

export type { OutboxRepositories } from "./conformance/outbox/steps.js"
export type { StatisticsRepositories } from "./conformance/statistics/counts.js"
export type { Repositories } from "./conformance/steps.js"

/** A suite of `parts` under the port's name, each test on a fresh store of the layer given. */
const suite =
  <R>(port: string, parts: ReadonlyArray<(test: Tester<R>) => void>) =>
  <E>(name: string, layer: Layer.Layer<R, E>): void => {
    const test = tester(layer)
    describe(`${name} keeps the ${port} contract`, () => {
      for (const part of parts) part(test)
    })
  }

/**
 * The API half: every promise of the `BackfillRepository` port that its own methods can
 * show, as vitest tests under `name`. `layer` builds a fresh, empty store (each test
 * provides it anew); it needs only the API's port, so a store written for API servers alone
 * (a Promise repository under `layerPromiseBackfillRepository`, say) runs it too. What a
 * store owes the API about backfills that workers moved on is in
 * `workerRepositoryConformance`.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import { layerPromiseBackfillRepository, type PromiseBackfillRepository } from "transfer-backfills/promise"
 * import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
 *
 * declare const makeMyStore: () => PromiseBackfillRepository // a fresh, empty store on each call
 *
 * backfillRepositoryConformance("my store", layerPromiseBackfillRepository(makeMyStore))
 * ```
 *
 * @since 0.1.0
 * @category conformance
 */
export const backfillRepositoryConformance: <E>(name: string, layer: Layer.Layer<BackfillRepository, E>) => void =
  suite("BackfillRepository", API_PARTS)

/**
 * The worker half: every promise of the `WorkerRepository` port, and what the API sees of
 * the workers' changes, on the same kind of layer as `backfillRepositoryConformance` with
 * both ports. A store that serves workers runs both halves.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import type { Layer } from "effect"
 * import {
 *   backfillRepositoryConformance,
 *   type Repositories,
 *   workerRepositoryConformance
 * } from "transfer-backfills/testing/conformance"
 *
 * declare const layerMyRepository: Layer.Layer<Repositories> // builds a fresh, empty store each time
 *
 * backfillRepositoryConformance("my SQL repository", layerMyRepository)
 * workerRepositoryConformance("my SQL repository", layerMyRepository)
 * ```
 *
 * @since 0.1.0
 * @category conformance
 */
export const workerRepositoryConformance: <E>(name: string, layer: Layer.Layer<Repositories, E>) => void = suite(
  "WorkerRepository",
  WORKER_PARTS
)

/**
 * The outbox half: the events a store appends with its changes (which, numbered how, in
 * the change's own step) and how it hands them to relays (one relay per backfill at a
 * time, in order, again after a hold lapses, due again after a failure), on a layer with
 * both repository ports and `BackfillOutbox` over the same data.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import type { Layer } from "effect"
 * import { backfillOutboxConformance, type OutboxRepositories } from "transfer-backfills/testing/conformance"
 *
 * declare const layerMyRepository: Layer.Layer<OutboxRepositories> // builds a fresh, empty store each time
 *
 * backfillOutboxConformance("my SQL repository", layerMyRepository)
 * ```
 *
 * @since 0.3.0
 * @category conformance
 */
export const backfillOutboxConformance: <E>(name: string, layer: Layer.Layer<OutboxRepositories, E>) => void = suite(
  "BackfillOutbox",
  OUTBOX_PARTS
)

/**
 * The statistics half: the counts `BackfillStatistics` gives the gauges (backfills with
 * work by status across every team, their days waiting, a live lease as its backfill's
 * one running day, no ended backfill), on a layer with both repository ports and
 * `BackfillStatistics` over the same data. The counts read the Clock's time, so the suite
 * leases at the time it runs.
 *
 * @example
 * ```ts
 * // test/repository.test.ts
 * import type { Layer } from "effect"
 * import { backfillStatisticsConformance, type StatisticsRepositories } from "transfer-backfills/testing/conformance"
 *
 * declare const layerMyRepository: Layer.Layer<StatisticsRepositories> // builds a fresh, empty store each time
 *
 * backfillStatisticsConformance("my SQL repository", layerMyRepository)
 * ```
 *
 * @since 0.3.0
 * @category conformance
 */
export const backfillStatisticsConformance: <E>(name: string, layer: Layer.Layer<StatisticsRepositories, E>) => void =
  suite("BackfillStatistics", STATISTICS_PARTS)
