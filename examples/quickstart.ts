/**
 * Quickstart: schedule the seed's example backfill on the in-memory ports, then show the
 * 409 for an overlapping range and the 422 for a day that does not exist.
 *
 *   npm run example
 */
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import { type HttpResponse, handleScheduleBackfill, stringifyJson } from "transfer-backfills"
import { demoPorts } from "./demoPorts.js"

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
