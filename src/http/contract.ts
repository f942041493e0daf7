/**
 * What an endpoint promises on the wire, as data the HttpApi definition and its OpenAPI
 * document are derived from: its name there, its summary, the schemas of its body, query
 * and success, the errors of its own beyond those every endpoint may answer, and what the
 * HttpApi cannot say by itself (the `Idempotency-Key` header, an optional body). The
 * schemas describe what the library reads and writes; the library itself judges every
 * path parameter, query parameter and body, in SPEC's order.
 */
import { Schema } from "effect"
import { BackfillWire } from "../domain/backfill.js"
import { ProcessingOrder } from "../domain/turns.js"
import { ResponseMeta, SuccessEnvelope } from "./envelopes.js"
import { BackfillPreviewWire } from "./preview.js"
import { DayRunWire } from "./runs.js"

/**
 * The statuses an endpoint may answer beyond those every endpoint may (400, 401, 403,
 * 429, 500, 503).
 *
 * @since 0.2.0
 * @category routing
 */
export type OwnErrorStatus = 404 | 409 | 422

/**
 * An endpoint's wire contract.
 *
 * @since 0.2.0
 * @category routing
 */
export interface EndpointContract {
  /** Its name in the HttpApi's `backfills` group: a typed client's method. */
  readonly apiName: string
  /** The OpenAPI summary. */
  readonly summary: string
  readonly payload?: Schema.Schema.Any
  readonly query?: Schema.Schema.Any
  readonly success: Schema.Schema.Any
  readonly errors: ReadonlyArray<OwnErrorStatus>
  /** It honours an `Idempotency-Key` header; left out, it does not. */
  readonly idempotent?: true
  /** Its body may be left out; left out, the body is required where there is one. */
  readonly optionalBody?: true
}

/**
 * The success envelope of one backfill.
 *
 * @since 0.2.0
 * @category schemas
 */
export const BackfillEnvelope = SuccessEnvelope(BackfillWire).annotations({ identifier: "BackfillEnvelope" })

/**
 * The success envelope of a preview.
 *
 * @since 0.2.0
 * @category schemas
 */
export const PreviewEnvelope = SuccessEnvelope(BackfillPreviewWire).annotations({
  identifier: "BackfillPreviewEnvelope"
})

/**
 * The success envelope of a page of backfills.
 *
 * @since 0.2.0
 * @category schemas
 */
export const BackfillPageEnvelope = Schema.Struct({ meta: ResponseMeta, data: Schema.Array(BackfillWire) }).annotations(
  { identifier: "BackfillPageEnvelope" }
)

/**
 * The success envelope of a page of a ledger.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RunPageEnvelope = Schema.Struct({ meta: ResponseMeta, data: Schema.Array(DayRunWire) }).annotations({
  identifier: "BackfillRunPageEnvelope"
})

/**
 * The body of a create and of a preview.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ScheduleBody = Schema.Struct({
  range_start: Schema.String.annotations({ description: "First day, YYYY-MM-DD, inclusive", format: "date" }),
  range_end: Schema.String.annotations({ description: "Last day, YYYY-MM-DD, inclusive", format: "date" }),
  order: Schema.optional(
    ProcessingOrder.annotations({ description: "The order the days run in; default newest_first" })
  )
}).annotations({ identifier: "ScheduleBackfillRequest" })

/** Strings or repeated strings, so that decoding never fails here: the library judges them. */
const queryParam = (description: string) =>
  Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)).annotations({ description }))

/**
 * The query of a listing: a status filter described by `statuses`, a size and a cursor.
 *
 * @since 0.2.0
 * @category schemas
 */
export const listingQuery = (statuses: string) =>
  Schema.Struct({
    status: queryParam(statuses),
    limit: queryParam("Page size, 1 to 100; default 100"),
    cursor: queryParam('The cursor of the previous page\'s Link header (rel="next")')
  })
