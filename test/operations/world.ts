/**
 * The world the operation tests run in: the seed's transfer 456789 in team 1, a New York
 * transfer beside it, a transfer of team 2, and tokens for the kinds of caller SPEC §1
 * distinguishes. The clock stands at the seed's creation time unless a test moves it.
 */
import { Effect, Layer } from "effect"
import { layerStaticTokens } from "../../src/adapters/memory/authenticator.js"
import { layerMemoryBackfillRepository, type SeededBackfill } from "../../src/adapters/memory/backfillRepository.js"
import { layerMemoryTransferLookup } from "../../src/adapters/memory/transferLookup.js"
import type { Principal } from "../../src/domain/access.js"
import type { CalendarDate } from "../../src/domain/calendarDate.js"
import { ServiceUnavailable } from "../../src/domain/errors.js"
import { TeamId, TransferId, UserId } from "../../src/domain/ids.js"
import type { BackfillStatus } from "../../src/domain/status.js"
import { TimeZone, UTC } from "../../src/domain/time.js"
import { layerPageCursors } from "../../src/http/pageCursor.js"
import { Authenticator } from "../../src/ports/authenticator.js"
import { BackfillRepository, WorkerRepository } from "../../src/ports/backfillRepository.js"
import { TransferLookup } from "../../src/ports/transferLookup.js"
import { backfillInStatus } from "../fixtures/backfills.js"

export const TEAM_1 = TeamId.make(1n)
export const TEAM_2 = TeamId.make(2n)
export const SEED_TRANSFER = TransferId.make(456789n)
export const NEW_YORK_TRANSFER = TransferId.make(456790n)
export const TEAM_2_TRANSFER = TransferId.make(111111n)
/** A transfer of team 1 with limits of its own: 5 days a backfill, from 2023-06-01, one day running at once. */
export const LIMITED_TRANSFER = TransferId.make(456791n)
/** A transfer of team 1 licensed for ten-year backfills, beyond the host's 366 days. */
export const DECADE_TRANSFER = TransferId.make(456792n)

/** 2024-02-01T09:00:00Z, when the seed's example backfill was created. */
export const SEED_NOW = Date.UTC(2024, 1, 1, 9, 0, 0)

const principal = (userId: bigint, overrides: Partial<Principal> = {}): Principal => ({
  userId: UserId.make(userId),
  teamIds: [TEAM_1],
  scopes: ["dwh_transfers_read", "dwh_transfers_write"],
  permissions: ["dwh.transfer.view", "dwh.transfer.edit"],
  ...overrides
})

export const PRINCIPALS = {
  admin: principal(789n),
  viewer: principal(790n, { scopes: ["dwh_transfers_read"], permissions: ["dwh.transfer.view"] }),
  noPermission: principal(791n, { permissions: ["dwh.transfer.view"] }),
  team2: principal(800n, { teamIds: [TEAM_2] }),
  bothTeams: principal(801n, { teamIds: [TEAM_1, TEAM_2] }),
  writeOnly: principal(802n, { scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }),
  noAccess: principal(803n, { permissions: [] })
} as const

export const bearer = (token: keyof typeof PRINCIPALS) => `Bearer ${token}`

export const transfersLayer = layerMemoryTransferLookup([
  { id: SEED_TRANSFER, teamId: TEAM_1, timeZone: UTC },
  { id: NEW_YORK_TRANSFER, teamId: TEAM_1, timeZone: TimeZone.make("America/New_York") },
  { id: TEAM_2_TRANSFER, teamId: TEAM_2, timeZone: UTC },
  {
    id: LIMITED_TRANSFER,
    teamId: TEAM_1,
    timeZone: UTC,
    limits: { maxRangeDays: 5, earliestDate: "2023-06-01" as CalendarDate, maxRunningDays: 1 }
  },
  { id: DECADE_TRANSFER, teamId: TEAM_1, timeZone: UTC, limits: { maxRangeDays: 3660 } }
])

export const cursorsLayer = layerPageCursors("test-cursor-secret")

/** Backfill `id` of team 1 on the seed's transfer in `status`, over 2023-MM-01..05 (MM = id). */
export const seedTransferBackfill = (id: bigint, status: BackfillStatus): SeededBackfill => ({
  teamId: TEAM_1,
  backfill: backfillInStatus(status, {
    id,
    transferId: SEED_TRANSFER,
    start: `2023-${String(Number(id)).padStart(2, "0")}-01`,
    end: `2023-${String(Number(id)).padStart(2, "0")}-05`
  })
})

export const world = (
  options: {
    readonly seed?: Iterable<SeededBackfill>
    readonly principals?: Readonly<Record<string, Principal>>
    /** Another store than a fresh in-memory one (which holds `seed`). */
    readonly repository?: Layer.Layer<BackfillRepository | WorkerRepository>
  } = {}
) =>
  Layer.mergeAll(
    layerStaticTokens(options.principals ?? PRINCIPALS),
    transfersLayer,
    options.repository ?? layerMemoryBackfillRepository(options.seed),
    cursorsLayer
  )

const unavailable = () => Effect.fail(new ServiceUnavailable({ cause: new Error("connection refused: 10.0.0.7:5432") }))

export const unavailableAuthenticator = Layer.succeed(Authenticator, { authenticate: unavailable })
export const unavailableTransfers = Layer.succeed(TransferLookup, { findTeamTransfer: unavailable })
/** Both repository ports, every method answering as `answer` does. */
const repositoriesAnswering = (answer: () => Effect.Effect<never, ServiceUnavailable>) =>
  Layer.merge(
    Layer.succeed(BackfillRepository, {
      insertUnlessOverlapping: answer,
      findForTeam: answer,
      latestForTransfer: answer,
      activeOverlapping: answer,
      listForTeam: answer,
      cancel: answer,
      retry: answer,
      runsOf: answer
    }),
    Layer.succeed(WorkerRepository, {
      materialiseRuns: answer,
      claim: answer,
      renewLease: answer,
      releaseLease: answer,
      startNextRun: answer,
      recordOutcome: answer,
      retryFailedDays: answer
    })
  )

export const unavailableRepository = repositoriesAnswering(unavailable)
export const defectiveRepository = repositoriesAnswering(() =>
  Effect.die(new Error("relation backfills does not exist; password=hunter2"))
)
