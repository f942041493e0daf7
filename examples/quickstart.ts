/**
 * Quickstart: schedule the seed's example backfill on the in-memory ports, then show the
 * 409 for an overlapping range and the 422 for a day that does not exist.
 *
 *   npm start
 */
import { pathToFileURL } from "node:url"
import { Effect, Layer } from "effect"
import {
  layerMemoryBackfillRepository,
  layerMemoryTransferLookup,
  layerStaticTokens
} from "../src/adapters/memory/index.js"
import {
  type HttpResponse,
  handleScheduleBackfill,
  stringifyJson,
  TeamId,
  TransferId,
  UserId,
  UTC
} from "../src/index.js"

/** One team with the seed's transfer, and a token for user 789 allowed to schedule. */
export const demoPorts = Layer.mergeAll(
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

export interface Exchange {
  readonly body: string
  readonly response: HttpResponse
}

const post = (body: string) =>
  Effect.map(
    handleScheduleBackfill({
      authorization: "Bearer demo-admin",
      path: { team_id: "1", transfer_id: "456789" },
      body
    }),
    (response): Exchange => ({ body, response })
  )

export const quickstart: Effect.Effect<ReadonlyArray<Exchange>> = Effect.all([
  post('{"range_start": "2024-01-01", "range_end": "2024-01-31"}'),
  post('{"range_start": "2024-01-15", "range_end": "2024-02-15"}'),
  post('{"range_start": "2024-02-30", "range_end": "2024-03-01"}')
]).pipe(Effect.provide(demoPorts))

const show = ({ body, response }: Exchange): string =>
  [
    `POST /teams/1/transfers/456789/backfills  ${body}`,
    `HTTP ${response.status}  ${Object.entries(response.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join("  ")}`,
    stringifyJson(JSON.parse(response.body), 2),
    ""
  ].join("\n")

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const exchanges = await Effect.runPromise(quickstart)
  process.stdout.write(exchanges.map(show).join("\n"))
}
