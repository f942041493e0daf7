/**
 * The endpoints of SPEC §1, and those beyond the seed (§7), as an `@effect/platform` HttpApi. The schemas are the
 * library's own (wire entity, envelopes, request bodies), so the OpenAPI document is
 * generated from what the library actually reads and writes. Path and query parameters
 * are declared as plain strings: the library validates them, in SPEC order, and answers
 * with its own envelopes.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import type { EndpointContract, OwnErrorStatus } from "../http/contract.js"
import { type AnyEndpoint, ENDPOINTS } from "../http/endpoints.js"
import { ErrorEnvelope } from "../http/envelopes.js"

/** The error envelope, once per status an endpoint can answer with. */
const errorAt = (status: number, description: string) =>
  ErrorEnvelope.annotations({ identifier: `Error${status}`, description, ...HttpApiSchema.annotations({ status }) })

/** What every endpoint may answer, after the errors of its own. */
const COMMON_ERRORS = [
  errorAt(400, "Malformed path parameter, query parameter or body"),
  errorAt(401, "Missing, malformed or rejected bearer token"),
  errorAt(403, "Not a member of the team, or missing scope or permission"),
  errorAt(429, "Rate limit exceeded"),
  errorAt(500, "Unexpected failure; nothing is leaked"),
  errorAt(503, "The database could not answer")
]

const OWN_ERRORS: Readonly<Record<OwnErrorStatus, ReturnType<typeof errorAt>>> = {
  404: errorAt(404, "Transfer or backfill missing or of another team"),
  409: errorAt(
    409,
    "The range overlaps an active backfill of the transfer, or the Idempotency-Key's first request is still in flight"
  ),
  422: errorAt(
    422,
    "Invalid dates or range, a change the backfill's status refuses, days that have not failed, " +
      "or an Idempotency-Key first used with another request (DUPLICATION_FAILED)"
  )
}

/** The parameters of a path template, `:name` each. */
type PathParamsOf<Path extends string> = Path extends `${string}:${infer Param}/${infer Rest}`
  ? Param | PathParamsOf<`/${Rest}`>
  : Path extends `${string}:${infer Param}`
    ? Param
    : never

type TypeOf<Contract, Field extends string> = Contract extends {
  readonly [K in Field]: Schema.Schema<infer A, infer _I>
}
  ? A
  : never

/** An endpoint of the table as the HttpApi types it, for typed clients. */
type ApiEndpointOf<E extends AnyEndpoint> = E extends unknown
  ? HttpApiEndpoint.HttpApiEndpoint<
      E["contract"]["apiName"],
      E["method"],
      { readonly [Param in PathParamsOf<E["path"]>]: string },
      TypeOf<E["contract"], "query">,
      TypeOf<E["contract"], "payload">,
      never,
      TypeOf<E["contract"], "success">,
      ErrorEnvelope
    >
  : never

/** Path parameters as plain strings: the library, not the framework, judges them. */
const pathSchemaOf = (path: string) =>
  Schema.Struct(
    Object.fromEntries(
      path
        .split("/")
        .filter((segment) => segment.startsWith(":"))
        .map((segment) => [segment.slice(1), Schema.String])
    )
  )

/**
 * What building an endpoint from data needs of `HttpApiEndpoint`: its types are unknown
 * here, and computed from the table for the group instead (`ApiEndpointOf`).
 */
interface EndpointBuilder {
  readonly setPath: (schema: Schema.Schema.Any) => EndpointBuilder
  readonly setUrlParams: (schema: Schema.Schema.Any) => EndpointBuilder
  readonly setPayload: (schema: Schema.Schema.Any) => EndpointBuilder
  readonly addSuccess: (schema: Schema.Schema.Any) => EndpointBuilder
  readonly addError: (schema: Schema.Schema.Any) => EndpointBuilder
  readonly annotate: (tag: typeof OpenApi.Summary, summary: string) => EndpointBuilder
}

/** One endpoint of the table in the HttpApi. */
const apiEndpointOf = (endpoint: AnyEndpoint) => {
  const { contract } = endpoint
  const made = HttpApiEndpoint.make(endpoint.method)(contract.apiName, endpoint.path as `/${string}`)
  let built = (made as unknown as EndpointBuilder).setPath(pathSchemaOf(endpoint.path))
  if ("query" in contract) built = built.setUrlParams(contract.query)
  if ("payload" in contract) built = built.setPayload(contract.payload)
  built = built.addSuccess(contract.success)
  for (const status of contract.errors) built = built.addError(OWN_ERRORS[status])
  for (const error of COMMON_ERRORS) built = built.addError(error)
  return built.annotate(OpenApi.Summary, contract.summary) as unknown as ApiEndpointOf<AnyEndpoint>
}

const BackfillsGroup = ENDPOINTS.reduce(
  (group, endpoint) => group.add(apiEndpointOf(endpoint)),
  HttpApiGroup.make("backfills") as unknown as HttpApiGroup.HttpApiGroup<"backfills", ApiEndpointOf<AnyEndpoint>>
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

/** An endpoint's OpenAPI path (`{name}` parameters) and method, as the document keys its operations. */
const operationKey = (endpoint: AnyEndpoint) =>
  `${endpoint.path.replace(/:(\w+)/g, "{$1}")} ${endpoint.method.toLowerCase()}`

const ENDPOINT_BY_OPERATION = new Map(ENDPOINTS.map((endpoint) => [operationKey(endpoint), endpoint]))

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
  const endpoint = ENDPOINT_BY_OPERATION.get(`${path} ${method}`)
  if (endpoint === undefined) return operation
  const linked = endpoint.paged ? withNextPageLink(operation) : operation
  const contract: EndpointContract = endpoint.contract
  const keyed = contract.idempotent ? withIdempotencyKey(linked) : linked
  return contract.optionalBody ? withOptionalBody(keyed) : keyed
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
