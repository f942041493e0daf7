/**
 * The endpoints of SPEC §1, and those beyond the seed (§7), as an `@effect/platform` HttpApi. The schemas are the
 * library's own (wire entity, envelopes, request bodies), so the OpenAPI document is
 * generated from what the library actually reads and writes. Path and query parameters
 * are declared as plain strings: the library validates them, in SPEC order, and answers
 * with its own envelopes.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BackfillWire } from "../domain/backfill.js"
import { ErrorEnvelope, ResponseMeta, SuccessEnvelope } from "../http/envelopes.js"
import { BackfillPreviewWire } from "../http/preview.js"
import { DayRunWire } from "../http/runs.js"

const BackfillEnvelope = SuccessEnvelope(BackfillWire).annotations({ identifier: "BackfillEnvelope" })

const PreviewEnvelope = SuccessEnvelope(BackfillPreviewWire).annotations({ identifier: "BackfillPreviewEnvelope" })

const BackfillPageEnvelope = Schema.Struct({ meta: ResponseMeta, data: Schema.Array(BackfillWire) }).annotations({
  identifier: "BackfillPageEnvelope"
})

const RunPageEnvelope = Schema.Struct({ meta: ResponseMeta, data: Schema.Array(DayRunWire) }).annotations({
  identifier: "BackfillRunPageEnvelope"
})

/** The error envelope, once per status an endpoint can answer with. */
const errorAt = (status: number, description: string) =>
  ErrorEnvelope.annotations({ identifier: `Error${status}`, description, ...HttpApiSchema.annotations({ status }) })

const BadRequest = errorAt(400, "Malformed path parameter, query parameter or body")
const Unauthorized = errorAt(401, "Missing, malformed or rejected bearer token")
const Forbidden = errorAt(403, "Not a member of the team, or missing scope or permission")
const NotFound = errorAt(404, "Transfer or backfill missing or of another team")
const Conflict = errorAt(
  409,
  "The range overlaps an active backfill of the transfer, or the Idempotency-Key's first request is still in flight"
)
const Unprocessable = errorAt(
  422,
  "Invalid dates or range, a change the backfill's status refuses, days that have not failed, " +
    "or an Idempotency-Key first used with another request (DUPLICATION_FAILED)"
)
const TooManyRequests = errorAt(429, "Rate limit exceeded")
const InternalError = errorAt(500, "Unexpected failure; nothing is leaked")
const Unavailable = errorAt(503, "The database could not answer")

const TeamPath = Schema.Struct({ team_id: Schema.String })
const TransferPath = Schema.Struct({ team_id: Schema.String, transfer_id: Schema.String })
const BackfillPath = Schema.Struct({ team_id: Schema.String, backfill_id: Schema.String })

const ScheduleBody = Schema.Struct({
  range_start: Schema.String.annotations({ description: "First day, YYYY-MM-DD, inclusive", format: "date" }),
  range_end: Schema.String.annotations({ description: "Last day, YYYY-MM-DD, inclusive", format: "date" })
}).annotations({ identifier: "ScheduleBackfillRequest" })

const CancelBody = Schema.Struct({ status: Schema.Literal("CANCELLED") }).annotations({
  identifier: "CancelBackfillRequest"
})

const RetryBody = Schema.Struct({
  days: Schema.optional(
    Schema.Array(Schema.String.annotations({ format: "date" })).annotations({
      description: "Failed days to retry, YYYY-MM-DD; every failed day when left out"
    })
  )
}).annotations({ identifier: "RetryBackfillRequest", description: "May be left out: every failed day" })

/** Strings or repeated strings, so that decoding never fails here: the library judges them. */
const queryParam = (description: string) =>
  Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)).annotations({ description }))

const RunsQuery = Schema.Struct({
  status: queryParam(
    "Comma-separated or repeated run statuses (pending, running, completed, failed, cancelled); default all"
  ),
  limit: queryParam("Page size, 1 to 100; default 100"),
  cursor: queryParam('The cursor of the previous page\'s Link header (rel="next")')
})

const ListQuery = Schema.Struct({
  status: queryParam("Comma-separated or repeated statuses; default CREATED,SCHEDULED,RUNNING,FAILED"),
  limit: queryParam("Page size, 1 to 100; default 100"),
  cursor: queryParam('The cursor of the previous page\'s Link header (rel="next")')
})

const withCommonErrors = <E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E) =>
  (endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint<string, "GET">)
    .addError(BadRequest)
    .addError(Unauthorized)
    .addError(Forbidden)
    .addError(TooManyRequests)
    .addError(InternalError)
    .addError(Unavailable) as unknown as E

const BackfillsGroup = HttpApiGroup.make("backfills")
  .add(
    withCommonErrors(
      HttpApiEndpoint.post("schedule", "/teams/:team_id/transfers/:transfer_id/backfills")
        .setPath(TransferPath)
        .setPayload(ScheduleBody)
        .addSuccess(BackfillEnvelope)
        .addError(NotFound)
        .addError(Unprocessable)
        .addError(Conflict)
        .annotate(OpenApi.Summary, "Schedule a backfill")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.get("latest", "/teams/:team_id/transfers/:transfer_id/backfills/latest")
        .setPath(TransferPath)
        .addSuccess(BackfillEnvelope)
        .addError(NotFound)
        .annotate(OpenApi.Summary, "The newest backfill of a transfer")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.get("get", "/teams/:team_id/backfills/:backfill_id")
        .setPath(BackfillPath)
        .addSuccess(BackfillEnvelope)
        .addError(NotFound)
        .annotate(OpenApi.Summary, "One backfill")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.get("list", "/teams/:team_id/backfills")
        .setPath(TeamPath)
        .setUrlParams(ListQuery)
        .addSuccess(BackfillPageEnvelope)
        .annotate(OpenApi.Summary, "Incomplete backfills of a team, newest first")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.patch("cancel", "/teams/:team_id/backfills/:backfill_id")
        .setPath(BackfillPath)
        .setPayload(CancelBody)
        .addSuccess(BackfillEnvelope)
        .addError(NotFound)
        .addError(Unprocessable)
        .addError(Conflict)
        .annotate(OpenApi.Summary, "Cancel a backfill")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.post("preview", "/teams/:team_id/transfers/:transfer_id/backfills/preview")
        .setPath(TransferPath)
        .setPayload(ScheduleBody)
        .addSuccess(PreviewEnvelope)
        .addError(NotFound)
        .addError(Unprocessable)
        .annotate(OpenApi.Summary, "What a schedule would do now, writing nothing")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.post("retry", "/teams/:team_id/backfills/:backfill_id/retry")
        .setPath(BackfillPath)
        .setPayload(RetryBody)
        .addSuccess(BackfillEnvelope)
        .addError(NotFound)
        .addError(Unprocessable)
        .addError(Conflict)
        .annotate(OpenApi.Summary, "Retry failed days of a backfill in place")
    )
  )
  .add(
    withCommonErrors(
      HttpApiEndpoint.get("runs", "/teams/:team_id/backfills/:backfill_id/runs")
        .setPath(BackfillPath)
        .setUrlParams(RunsQuery)
        .addSuccess(RunPageEnvelope)
        .addError(NotFound)
        .annotate(OpenApi.Summary, "The ledger of a backfill: one entry per day's run, latest day first")
    )
  )

/**
 * The API's endpoints as an `HttpApi`, for `@effect/platform` hosts and clients
 * (`HttpApiClient.make(BackfillApi)`). Its handlers should call the library's
 * (`handleScheduleBackfill`, …): path and query parameters are declared as strings, so
 * that the library, not the framework, judges them in SPEC's order.
 *
 * @example
 * ```ts
 * import { OpenApi } from "@effect/platform"
 * import { BackfillApi } from "transfer-backfills/http-api"
 *
 * const paths = Object.keys(OpenApi.fromApi(BackfillApi).paths)
 * // ["/teams/{team_id}/transfers/{transfer_id}/backfills", …]
 * ```
 *
 * @since 0.2.0
 * @category api
 */
export const BackfillApi = HttpApi.make("transfer-backfills")
  .add(BackfillsGroup)
  .annotate(OpenApi.Title, "Transfer backfills")
  .annotate(OpenApi.Version, "1.0.0")

type OpenApiDocument = ReturnType<typeof OpenApi.fromApi>
type Operation = OpenApiDocument["paths"][string]["get"] & object

/**
 * An operation under the document's bearer scheme (no `security` of its own), its 400
 * without the framework's decode error, which this API never sends.
 */
const withoutDecodeError = (operation: Operation): Omit<Operation, "security"> => {
  const { security: _, ...rest } = operation
  const badRequest = rest.responses[400]
  const schema = badRequest?.content?.["application/json"]?.schema as { anyOf?: ReadonlyArray<{ $ref?: string }> }
  const ours = schema?.anyOf?.filter((member) => member.$ref !== "#/components/schemas/HttpApiDecodeError")
  if (badRequest === undefined || ours?.length !== 1) return rest
  return {
    ...rest,
    responses: {
      ...rest.responses,
      400: {
        ...badRequest,
        description: "Malformed path parameter, query parameter or body",
        content: { "application/json": { schema: ours[0] as never } }
      }
    }
  }
}

/** A listing's 200 offers the next page in a `Link` header, which the HttpApi cannot declare. */
const withNextPageLink = (operation: Omit<Operation, "security">): Omit<Operation, "security"> => {
  const success = operation.responses[200]
  if (success === undefined) return operation
  const link = {
    description:
      'The next page, when there is one: `<?…&cursor=…>; rel="next"` (RFC 8288), relative to the request\'s URI',
    schema: { type: "string" }
  }
  const withLink: typeof success & { readonly headers: Record<string, typeof link> } = {
    ...success,
    headers: { Link: link }
  }
  return { ...operation, responses: { ...operation.responses, 200: withLink } }
}

const LISTING_PATHS = ["/teams/{team_id}/backfills", "/teams/{team_id}/backfills/{backfill_id}/runs"]
const RETRY_PATH = "/teams/{team_id}/backfills/{backfill_id}/retry"

/** The operations that change a backfill, by path and method. */
const KEYED_OPERATIONS = new Set([
  "/teams/{team_id}/transfers/{transfer_id}/backfills post",
  "/teams/{team_id}/backfills/{backfill_id} patch",
  `${RETRY_PATH} post`
])

/**
 * The optional `Idempotency-Key` header, which the HttpApi cannot declare without making
 * typed clients pass a `headers` argument to endpoints that never needed one.
 */
const IDEMPOTENCY_KEY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description:
    'An RFC 8941 string ("…") or the bare characters, 1 to 255 visible ASCII. The same key with the same ' +
    "request within the key's lifetime (24 hours unless the host sets another) replays the first answer; " +
    "with another request, 422 DUPLICATION_FAILED; while the first is in flight, 409 CONFLICT_ERROR.",
  schema: { type: "string" as const }
}

const withIdempotencyKey = (operation: Omit<Operation, "security">): Omit<Operation, "security"> => ({
  ...operation,
  parameters: [...operation.parameters, IDEMPOTENCY_KEY_PARAMETER]
})

/**
 * The retry's body may be left out, which the HttpApi cannot declare. `@effect/platform`
 * types a request body as always required; the document is JSON, where `false` is valid.
 */
const withOptionalBody = (operation: Omit<Operation, "security">): Omit<Operation, "security"> =>
  operation.requestBody === undefined
    ? operation
    : {
        ...operation,
        requestBody: { ...operation.requestBody, required: false } as unknown as typeof operation.requestBody
      }

/** What the HttpApi cannot say about an operation: next-page links, the key header, an optional body. */
const documented = (path: string, method: string, operation: Omit<Operation, "security">) => {
  const linked = LISTING_PATHS.includes(path) && method === "get" ? withNextPageLink(operation) : operation
  const keyed = KEYED_OPERATIONS.has(`${path} ${method}`) ? withIdempotencyKey(linked) : linked
  return path === RETRY_PATH ? withOptionalBody(keyed) : keyed
}

/**
 * The OpenAPI 3.1 document, generated from the HttpApi and the library's schemas, with
 * the bearer scheme every operation needs, the listings' `Link` header, the optional
 * `Idempotency-Key` header of the changes, and none of the
 * framework's own error shapes. Serve it as JSON (the reference host answers
 * `GET /openapi.json` with it).
 *
 * @example
 * ```ts
 * import { openApiDocument } from "transfer-backfills/http-api"
 *
 * const json = JSON.stringify(openApiDocument())
 * ```
 *
 * @since 0.2.0
 * @category api
 */
export const openApiDocument = () => {
  const document = OpenApi.fromApi(BackfillApi)
  const { HttpApiDecodeError: _, Issue: __, PropertyKey: ___, ...schemas } = document.components.schemas
  return {
    ...document,
    paths: Object.fromEntries(
      Object.entries(document.paths).map(([path, item]) => [
        path,
        Object.fromEntries(
          Object.entries(item).map(([method, operation]) => [
            method,
            typeof operation !== "object" || operation === null || !("responses" in operation)
              ? operation
              : documented(path, method, withoutDecodeError(operation as Operation))
          ])
        )
      ])
    ),
    components: {
      ...document.components,
      schemas,
      securitySchemes: { bearer: { type: "http" as const, scheme: "bearer" } }
    },
    security: [{ bearer: [] }]
  }
}
