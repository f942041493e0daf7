/**
 * A consumer of the packed package, as a user writes one: every entry imported by its
 * public name, the in-memory ports behind the Effect handlers and behind the Promise
 * facade, an arbitrary sampled. It prints one line per check; the install test compares.
 */
import { Effect, FastCheck, Layer } from "effect"
import { handleScheduleBackfill, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
import { layerMemoryBackfillRepository, layerMemoryTransferLookup, layerStaticTokens } from "transfer-backfills/memory"
import { layerPostgresBackfillRepository } from "transfer-backfills/postgres"
import { createPromiseApi } from "transfer-backfills/promise"
import { calendarDate } from "transfer-backfills/testing/arbitraries"

const ports = Layer.mergeAll(
  layerStaticTokens({
    "demo-admin": {
      userId: UserId.make(789n),
      teamIds: [TeamId.make(1n)],
      scopes: ["dwh_transfers_read", "dwh_transfers_write"],
      permissions: ["dwh.transfer.view", "dwh.transfer.edit"]
    }
  }),
  layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }]),
  layerMemoryBackfillRepository()
)

const scheduled = await Effect.runPromise(
  handleScheduleBackfill({
    authorization: "Bearer demo-admin",
    path: { team_id: "1", transfer_id: "456789" },
    body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
  }).pipe(Effect.provide(ports))
)
console.log(`effect ${scheduled.status} ${JSON.parse(scheduled.body).data.transfer_runs_total}`)

const api = createPromiseApi({
  authenticate: async () => undefined,
  findTeamTransfer: async () => undefined,
  cursorSecret: "a cursor secret of at least thirty-two bytes"
})
const refused = await api.getBackfill({ authorization: "Bearer nobody", path: { team_id: "1", backfill_id: "1" } })
await api.dispose()
console.log(`promise ${refused.status}`)

const [day] = FastCheck.sample(calendarDate({ min: "2024-01-01", max: "2024-01-31" }), 1)
console.log(`arbitraries ${day?.startsWith("2024-01-") === true}`)
console.log(`postgres ${typeof layerPostgresBackfillRepository}`)
