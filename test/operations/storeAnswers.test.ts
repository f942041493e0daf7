/**
 * Answers a host's own store may give that the library's stores never do (a backfill gone
 * between its lookup and the change, a refusal from another status, a key it sees in
 * flight), and the envelopes the operations turn them into.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { IdempotencyKeyInFlight } from "../../src/domain/idempotency.js"
import { IllegalTransition } from "../../src/domain/status.js"
import { UnknownBackfill } from "../../src/domain/workerErrors.js"
import { handleCancelBackfill, handleRetryBackfill, handleScheduleBackfill } from "../../src/http/endpoints.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { call } from "./http.js"
import { bearer, SEED_TRANSFER, TEAM_1, world } from "./world.js"

/** The in-memory store holding a FAILED backfill 4, its API port's changes answered by `changes`. */
const storeAnswering = (
  changes: Partial<Pick<BackfillRepository["Type"], "retry" | "cancel" | "insertUnlessOverlapping">>
) =>
  world({
    repository: Layer.effectContext(
      Effect.map(Effect.all([BackfillRepository, WorkerRepository]), ([api, worker]) =>
        Context.make(BackfillRepository, { ...api, ...changes }).pipe(Context.add(WorkerRepository, worker))
      )
    ).pipe(
      Layer.provide(
        layerMemoryBackfillRepository([
          {
            teamId: TEAM_1,
            backfill: backfillInStatus("FAILED", {
              id: 4n,
              transferId: SEED_TRANSFER,
              start: "2023-04-01",
              end: "2023-04-05"
            })
          }
        ])
      )
    )
  })

const backfill4 = { team_id: "1", backfill_id: "4" }

describe("answers only a host's store gives", () => {
  it.effect("a backfill gone between its lookup and the retry is a 404", () =>
    Effect.gen(function* () {
      const response = yield* call(handleRetryBackfill({ authorization: bearer("admin"), path: backfill4 }))
      expect([response.status, response.error.code]).toEqual([404, "NOT_FOUND"])
    }).pipe(Effect.provide(storeAnswering({ retry: (_, id) => Effect.fail(new UnknownBackfill({ backfillId: id })) })))
  )

  it.effect("a retry refused from a status other than CANCELLED says there is nothing to retry", () =>
    Effect.gen(function* () {
      const response = yield* call(handleRetryBackfill({ authorization: bearer("admin"), path: backfill4 }))
      expect([response.status, response.error.description]).toEqual([
        422,
        "Backfill 4 is COMPLETED; it has no failed days to retry."
      ])
    }).pipe(
      Effect.provide(
        storeAnswering({
          retry: () => Effect.fail(new IllegalTransition({ from: "COMPLETED", event: "FailedDaysRetried" }))
        })
      )
    )
  )

  it.effect("a key the store sees in flight is a 409 on create, cancel and retry", () =>
    Effect.gen(function* () {
      const inFlight = {
        code: "CONFLICT_ERROR",
        message: "The request conflicts with the current state.",
        description: "A request with this Idempotency-Key is still in progress; retry once it has been answered."
      }
      const authorization = bearer("admin")
      const answers = [
        yield* call(
          handleScheduleBackfill({
            authorization,
            path: { team_id: "1", transfer_id: String(SEED_TRANSFER) },
            body: { range_start: "2024-01-01", range_end: "2024-01-02" },
            idempotencyKey: "k"
          })
        ),
        yield* call(
          handleCancelBackfill({ authorization, path: backfill4, body: '{"status":"CANCELLED"}', idempotencyKey: "k" })
        ),
        yield* call(handleRetryBackfill({ authorization, path: backfill4, idempotencyKey: "k" }))
      ]
      for (const answer of answers) expect([answer.status, answer.error]).toEqual([409, inFlight])
    }).pipe(
      Effect.provide(
        storeAnswering({
          insertUnlessOverlapping: () => Effect.fail(new IdempotencyKeyInFlight()),
          cancel: () => Effect.fail(new IdempotencyKeyInFlight()),
          retry: () => Effect.fail(new IdempotencyKeyInFlight())
        })
      )
    )
  )
})
