import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer, Option } from "effect"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { layerMemoryTransferLookup } from "../../src/adapters/memory/transferLookup.js"
import { type Backfill, newBackfill } from "../../src/domain/backfill.js"
import { type DateRange, overlaps } from "../../src/domain/dateRange.js"
import { BackfillId, TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import { EpochSeconds, UTC } from "../../src/domain/time.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { BackfillRepository } from "../../src/ports/backfillRepository.js"
import { TransferLookup } from "../../src/ports/transferLookup.js"
import * as Arb from "../../src/testing/arbitraries.js"
import { backfillInStatus } from "../fixtures/backfills.js"
import { accessTo, repositories } from "../support/access.js"

const team = TeamId.make(1n)
const transfer = TransferId.make(10n)

const draft = (range: DateRange, transferId = transfer) =>
  newBackfill({ transferId, range, createdTime: EpochSeconds.make(0), createdUserId: UserId.make(1n) })

const insert = (range: DateRange, transferId = transfer) =>
  Effect.flatMap(repositories, (repository) => repository.insertUnlessOverlapping(team, draft(range, transferId)))

const nearby = Arb.dateRange({ min: "2024-01-01", max: "2024-02-15", maxDays: 15 })

describe("the in-memory backfill repository", () => {
  it.effect.prop(
    "accepts a sequence of inserts exactly when no active range overlaps, and names the one that does",
    [fc.array(nearby, { minLength: 1, maxLength: 40 })],
    ([ranges]) =>
      Effect.gen(function* () {
        const accepted: Array<Backfill> = []
        for (const range of ranges) {
          const outcome = yield* Effect.either(insert(range))
          const blocking = accepted.filter((backfill) => overlaps(backfill.range, range))
          if (Either.isRight(outcome)) {
            expect(blocking).toEqual([])
            accepted.push(outcome.right)
          } else {
            expect(outcome.left._tag).toBe("ActiveRangeOverlap")
            if (outcome.left._tag === "ActiveRangeOverlap") expect(blocking).toContainEqual(outcome.left.conflicting)
          }
        }
        expect(accepted.map((backfill) => backfill.id)).toEqual(accepted.map((_, index) => BigInt(index + 1)))
      }).pipe(Effect.provide(layerMemoryBackfillRepository())),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("keeps transfers apart", () =>
    Effect.gen(function* () {
      const range = Option.getOrThrow(fc.sample(nearby, 1).map(Option.some)[0] ?? Option.none())
      yield* insert(range)
      const other = yield* insert(range, TransferId.make(11n))
      expect(other.transferId).toBe(11n)
    }).pipe(Effect.provide(layerMemoryBackfillRepository()))
  )

  it.effect("starts empty for every layer build", () =>
    Effect.gen(function* () {
      const repository = yield* repositories
      expect(yield* repository.findById(BackfillId.make(1n))).toEqual(Option.none())
    }).pipe(Effect.provide(layerMemoryBackfillRepository()))
  )

  it.effect("keeps seeded backfills, their ids and their blocking, and counts on from the largest id", () =>
    Effect.gen(function* () {
      const running = backfillInStatus("RUNNING", {
        id: 40n,
        transferId: transfer,
        start: "2024-01-01",
        end: "2024-01-31"
      })
      const completed = backfillInStatus("COMPLETED", {
        id: 41n,
        transferId: transfer,
        start: "2024-02-01",
        end: "2024-02-10"
      })
      const repository = yield* repositories
      expect(yield* repository.findById(BackfillId.make(40n))).toEqual(Option.some(running))
      expect(yield* repository.findById(BackfillId.make(41n))).toEqual(Option.some(completed))
      const blocked = yield* Effect.flip(insert(running.range))
      expect(blocked._tag === "ActiveRangeOverlap" && blocked.conflicting).toEqual(running)
      const next = yield* insert(completed.range)
      expect(next.id).toBe(42n)
    }).pipe(
      Effect.provide(
        layerMemoryBackfillRepository([
          {
            teamId: team,
            backfill: backfillInStatus("RUNNING", {
              id: 40n,
              transferId: transfer,
              start: "2024-01-01",
              end: "2024-01-31"
            })
          },
          {
            teamId: team,
            backfill: backfillInStatus("COMPLETED", {
              id: 41n,
              transferId: transfer,
              start: "2024-02-01",
              end: "2024-02-10"
            })
          }
        ])
      )
    )
  )

  it.effect("lists seeds given out of id order newest first", () =>
    Effect.gen(function* () {
      const repository = yield* repositories
      const page = yield* repository.listForTeam(team, { statuses: ["CREATED"], before: Option.none(), limit: 10 })
      expect(page.map((backfill) => backfill.id)).toEqual([5n, 4n, 3n])
    }).pipe(
      Effect.provide(
        layerMemoryBackfillRepository(
          [5n, 3n, 4n].map((id) => ({
            teamId: team,
            backfill: backfillInStatus("CREATED", {
              id,
              transferId: transfer,
              start: `2024-0${Number(id)}-01`,
              end: `2024-0${Number(id)}-02`
            })
          }))
        )
      )
    )
  )

  it.effect("refuses a seed no repository could hold: an inconsistent backfill, or overlapping active ones", () =>
    Effect.gen(function* () {
      const created = backfillInStatus("CREATED", {
        id: 1n,
        transferId: transfer,
        start: "2024-01-01",
        end: "2024-01-31"
      })
      const inconsistent = { ...created, runs: { ...created.runs, total: 30 } }
      const overlapping = { ...created, id: BackfillId.make(2n) }
      const build = (seed: ReadonlyArray<Backfill>) =>
        Effect.exit(
          Effect.provide(
            BackfillRepository,
            layerMemoryBackfillRepository(seed.map((backfill) => ({ teamId: team, backfill })))
          )
        )
      expect((yield* build([inconsistent]))._tag).toBe("Failure")
      expect((yield* build([created, overlapping]))._tag).toBe("Failure")
      expect(
        (yield* build([
          created,
          {
            ...overlapping,
            ...backfillInStatus("CANCELLED", { id: 2n, transferId: transfer, start: "2024-01-01", end: "2024-01-31" })
          }
        ]))._tag
      ).toBe("Success")
    })
  )
})

describe("the in-memory transfer lookup and static tokens", () => {
  it.effect("find the transfers and principals they were given, and nothing else", () =>
    Effect.gen(function* () {
      const transfers = yield* TransferLookup
      const authenticator = yield* Authenticator
      expect(yield* transfers.findTeamTransfer(accessTo(team), transfer)).toEqual(
        Option.some({ id: transfer, teamId: team, timeZone: UTC })
      )
      expect(yield* transfers.findTeamTransfer(accessTo(team + 1n), transfer)).toEqual(Option.none())
      expect(yield* transfers.findTeamTransfer(accessTo(team), TransferId.make(99n))).toEqual(Option.none())
      expect(Option.map(yield* authenticator.authenticate("token-1"), (p) => p.userId)).toEqual(Option.some(7n))
      expect(yield* authenticator.authenticate("token-2")).toEqual(Option.none())
      expect(yield* authenticator.authenticate("toString")).toEqual(Option.none())
    }).pipe(
      Effect.provide(
        Layer.merge(
          layerMemoryTransferLookup([{ id: transfer, teamId: team, timeZone: UTC }]),
          layerStaticTokens({ "token-1": { userId: UserId.make(7n), teamIds: [team], scopes: [], permissions: [] } })
        )
      )
    )
  )
})
