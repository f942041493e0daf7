/**
 * `transfer-backfills/promise`: the API operations for hosts that do not use Effect. Give
 * the ports, as plain async functions or as Effect layers (the PostgreSQL ones, say), and
 * get back functions from request parts to `{ status, headers, body }`, exactly what the
 * Effect handlers answer.
 *
 * A port function that rejects means "cannot answer": the caller gets a 503. Every rule,
 * check order and error mapping is the library's, as for Effect hosts.
 */
import { Cause, Duration, Effect, HashMap, Layer, Logger, LogLevel, ManagedRuntime, Option, Schema } from "effect"
import { layerMemoryBackfillRepository } from "../adapters/memory/backfillRepository.js"
import { CalendarDate } from "../domain/calendarDate.js"
import { ServiceUnavailable } from "../domain/errors.js"
import { IdempotencyKeyLifetime } from "../domain/idempotency.js"
import { BackfillPolicy, DEFAULT_POLICY } from "../domain/policy.js"
import type { HostRequest } from "../http/caller.js"
import type { ApiServices } from "../http/endpoint.js"
import { ENDPOINTS, type ENDPOINTS_BY_NAME } from "../http/endpoints.js"
import { layerPageCursors } from "../http/pageCursor.js"
import { type HttpResponse, respond } from "../http/response.js"
import { Authenticator } from "../ports/authenticator.js"
import type { BackfillRepository } from "../ports/backfillRepository.js"
import { TransferLookup } from "../ports/transferLookup.js"
import { type PlainPrincipal, type PlainTransfer, PrincipalFromPlain, TransferFromPlain } from "./plain.js"
import { layerPromiseBackfillRepository, type PromiseBackfillRepository, portCall } from "./repository.js"

export { exceedsHeaderLimit, MAX_REQUEST_HEADERS, tooManyHeadersAnswer } from "./headerLimit.js"
export type {
  PlainBackfill,
  PlainDayRun,
  PlainId,
  PlainPrincipal,
  PlainTransfer,
  PlainUnsavedBackfill
} from "./plain.js"
export {
  layerPromiseBackfillRepository,
  type PlainIdempotentRequest,
  type PlainKeyAnswer,
  type PlainPageQuery,
  type PlainRunPageQuery,
  type PromiseBackfillRepository
} from "./repository.js"

/**
 * One line the library logs, in plain values.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainLogEntry {
  readonly level: PlainLogLevel
  readonly message: string
  readonly timeMillis: number
  /** What the library attached, e.g. `request_id`. */
  readonly annotations: Readonly<Record<string, unknown>>
  /** The failure behind the line, printed, or `null`. */
  readonly cause: string | null
}

/**
 * Effect's log levels, by their labels.
 *
 * @since 0.2.0
 * @category models
 */
export type PlainLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"

/**
 * The host's limits on what may be scheduled; SPEC's defaults (366 days, no earliest day)
 * for what is left out.
 *
 * @since 0.2.0
 * @category models
 */
export interface PlainPolicy {
  readonly maxRangeDays?: number | undefined
  /** `YYYY-MM-DD`: no backfill may start before it. */
  readonly earliestDate?: string | null | undefined
}

/**
 * What every Promise API takes, whatever its ports.
 *
 * @since 0.2.0
 * @category models
 */
export interface PromiseApiSettings {
  /** Signs page cursors: at least 32 bytes, shared by every server of a deployment. */
  readonly cursorSecret: string
  readonly policy?: PlainPolicy | undefined
  /** Receives what the library logs, from `minimumLogLevel` (default `INFO`) up; the console when left out. */
  readonly logger?: ((entry: PlainLogEntry) => void) | undefined
  readonly minimumLogLevel?: PlainLogLevel | undefined
  /** How long an `Idempotency-Key` is remembered, in milliseconds: a positive integer, 24 hours by default. */
  readonly idempotencyKeyLifetimeMillis?: number | undefined
}

/**
 * Ports as plain async functions. `undefined` or `null` means "none".
 *
 * @since 0.2.0
 * @category models
 */
export interface PromisePorts {
  /** The caller behind a bearer token, or none to refuse it (401). */
  readonly authenticate: (token: string) => Promise<PlainPrincipal | null | undefined>
  /**
   * The transfer, or none. It may answer none for another team's transfer too, and should
   * look it up by both ids so that both cases take the same time: the library answers both
   * with the same 404 anyway.
   */
  readonly findTeamTransfer: (teamId: string, transferId: string) => Promise<PlainTransfer | null | undefined>
  /** The store; the library's in-memory one when left out (for demos and tests). */
  readonly repository?: PromiseBackfillRepository | undefined
}

/**
 * Ports as Effect layers, e.g. `transfer-backfills/postgres`'s: built once by
 * `createPromiseApi`, released by `dispose`.
 *
 * @since 0.2.0
 * @category models
 */
export interface LayerPorts {
  /**
   * Built on the first request; when building fails (a database that does not answer
   * yet), that request gets a 503 and the next one builds it afresh.
   */
  readonly layer: Layer.Layer<Authenticator | TransferLookup | BackfillRepository, unknown>
}

/**
 * Everything `createPromiseApi` takes: the settings, and the ports either as plain async
 * functions (`PromisePorts`) or as Effect layers (`LayerPorts`), not both.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseApiOptions = PromiseApiSettings & (PromisePorts | LayerPorts)

/**
 * The API's endpoints as async functions of request parts. They never reject: every
 * failure is an answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseApi extends PromiseEndpoints {
  /** Releases what the API holds: the ports' layer (a connection pool, say), the in-memory store. */
  readonly dispose: () => Promise<void>
}

/**
 * One async function per endpoint of the endpoint table (`ENDPOINTS`), named after it
 * (`scheduleBackfill`, `getBackfill`, …), taking the request parts its handler takes and
 * answering what it answers; the listings' answers carry `nextCursor` too.
 *
 * @since 0.2.0
 * @category models
 */
export type PromiseEndpoints = {
  readonly [Name in keyof typeof ENDPOINTS_BY_NAME]: (
    request: Parameters<(typeof ENDPOINTS_BY_NAME)[Name]["handle"]>[0]
  ) => Promise<Effect.Effect.Success<ReturnType<(typeof ENDPOINTS_BY_NAME)[Name]["handle"]>>>
}

/**
 * Options `createPromiseApi` cannot work with, found when it is called rather than on the
 * first request.
 *
 * @since 0.2.0
 * @category errors
 */
export class PromiseApiOptionsError extends Error {
  override readonly name = "PromiseApiOptionsError"
}

const MIN_CURSOR_SECRET_BYTES = 32

/** Every method of `PromiseBackfillRepository`: a store written for an earlier release lacks some. */
const REPOSITORY_METHODS = [
  "insertUnlessOverlapping",
  "findForTeam",
  "latestForTransfer",
  "activeOverlapping",
  "listForTeam",
  "cancel",
  "retry",
  "runsOf"
] as const satisfies ReadonlyArray<keyof PromiseBackfillRepository>

const LOG_LEVELS: ReadonlyArray<PlainLogLevel> = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]

const PolicyFromPlain = Schema.Struct({
  maxRangeDays: Schema.optional(Schema.Int.pipe(Schema.positive())),
  earliestDate: Schema.optional(Schema.NullOr(CalendarDate))
})
const decodePolicy = Schema.decodeUnknownEither(PolicyFromPlain, { onExcessProperty: "error" })

const refuse = (problem: string): never => {
  throw new PromiseApiOptionsError(`createPromiseApi: ${problem}`)
}

/** The options with every port field, each possibly `undefined`, as JavaScript callers may pass them. */
type LooseOptions = PromiseApiSettings & Partial<PromisePorts> & Partial<LayerPorts>

const validated = (options: LooseOptions) => {
  if (typeof options.cursorSecret !== "string") refuse("cursorSecret must be a string.")
  if (new TextEncoder().encode(options.cursorSecret).byteLength < MIN_CURSOR_SECRET_BYTES) {
    refuse(`cursorSecret must be at least ${MIN_CURSOR_SECRET_BYTES} bytes (use 32 random bytes, e.g. base64).`)
  }
  const policy = decodePolicy(options.policy ?? {})
  if (policy._tag === "Left") {
    refuse(
      "policy takes maxRangeDays, a positive integer, and earliestDate, a YYYY-MM-DD day or null, and nothing else."
    )
  }
  const lifetime = options.idempotencyKeyLifetimeMillis
  if (lifetime !== undefined && !(Number.isSafeInteger(lifetime) && lifetime > 0)) {
    refuse("idempotencyKeyLifetimeMillis must be a positive integer of milliseconds.")
  }
  if (options.minimumLogLevel !== undefined && !LOG_LEVELS.includes(options.minimumLogLevel)) {
    refuse(`minimumLogLevel must be one of ${LOG_LEVELS.join(", ")}.`)
  }
  if (options.layer !== undefined) {
    if (
      options.authenticate !== undefined ||
      options.findTeamTransfer !== undefined ||
      options.repository !== undefined
    ) {
      refuse("give the ports either as a layer or as functions, not both.")
    }
  } else if (typeof options.authenticate !== "function" || typeof options.findTeamTransfer !== "function") {
    refuse("authenticate and findTeamTransfer must be functions (or give a layer).")
  }
  const repository = options.repository as Record<string, unknown> | undefined
  const missing = REPOSITORY_METHODS.filter((method) => typeof repository?.[method] !== "function")
  if (repository !== undefined && missing.length > 0) {
    refuse(`repository lacks ${missing.join(", ")} (see PromiseBackfillRepository).`)
  }
  return Option.getOrThrow(Option.getRight(policy))
}

const layerPromisePorts = (ports: PromisePorts) =>
  Layer.mergeAll(
    Layer.succeed(Authenticator, {
      authenticate: (token) =>
        Effect.flatMap(
          portCall(() => ports.authenticate(token)),
          (found) =>
            Effect.transposeMapOption(Option.fromNullable(found), (principal) =>
              Effect.orDie(Schema.decodeUnknown(PrincipalFromPlain)(principal))
            )
        )
    }),
    Layer.succeed(TransferLookup, {
      findTeamTransfer: ({ teamId }, transferId) =>
        Effect.flatMap(
          portCall(() => ports.findTeamTransfer(String(teamId), String(transferId))),
          (found) =>
            Effect.transposeMapOption(Option.fromNullable(found), (transfer) =>
              Effect.orDie(Schema.decodeUnknown(TransferFromPlain)(transfer))
            )
        )
    }),
    ports.repository === undefined ? layerMemoryBackfillRepository() : layerPromiseBackfillRepository(ports.repository)
  )

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map(messageText).join(" ") : typeof message === "string" ? message : String(message)

const logLevelOf = (label: PlainLogLevel): LogLevel.LogLevel =>
  LogLevel.allLevels.find((level) => level.label === label) ?? LogLevel.Info

const layerPlainLogger = (log: (entry: PlainLogEntry) => void) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, date, annotations, cause }) => {
      try {
        log({
          level: logLevel.label as PlainLogLevel,
          message: messageText(message),
          timeMillis: date.getTime(),
          annotations: Object.fromEntries(HashMap.toEntries(annotations)),
          cause: Cause.isEmpty(cause) ? null : Cause.pretty(cause)
        })
      } catch {
        // A host's logger that throws must not turn an answer into a rejected promise.
      }
    })
  )

/**
 * The API's endpoints over plain async ports or Effect layers, with one runtime for
 * the API's life: create it at start, `dispose` it at shutdown. Throws
 * `PromiseApiOptionsError` for options it cannot work with.
 *
 * @example
 * ```ts
 * import { createPromiseApi } from "transfer-backfills/promise"
 *
 * const api = createPromiseApi({
 *   authenticate: async (token) =>
 *     token === "demo-admin"
 *       ? { userId: "789", teamIds: ["1"], scopes: ["dwh_transfers_write"], permissions: ["dwh.transfer.edit"] }
 *       : null,
 *   findTeamTransfer: async (teamId, transferId) =>
 *     transferId === "456789" && teamId === "1" ? { id: transferId, teamId, timeZone: "UTC" } : null,
 *   cursorSecret: process.env.CURSOR_SECRET ?? "",
 *   logger: (entry) => console.log(entry.level, entry.message, entry.annotations)
 * })
 * const response = await api.scheduleBackfill({
 *   authorization: "Bearer demo-admin",
 *   path: { team_id: "1", transfer_id: "456789" },
 *   body: '{"range_start":"2024-01-01","range_end":"2024-01-31"}'
 * })
 * // response: { status: 200, headers: { "content-type": "application/json", … }, body: "{…}" }
 * await api.dispose()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const createPromiseApi = (givenOptions: PromiseApiOptions): PromiseApi => {
  const options: LooseOptions = givenOptions
  const policy = validated(options)
  const ports =
    options.layer !== undefined ? options.layer : layerPromisePorts(givenOptions as PromiseApiSettings & PromisePorts)
  const logging = Layer.merge(
    options.logger === undefined ? Layer.empty : layerPlainLogger(options.logger),
    Logger.minimumLogLevel(logLevelOf(options.minimumLogLevel ?? "INFO"))
  )
  const services = Layer.mergeAll(
    ports,
    layerPageCursors(options.cursorSecret),
    Layer.succeed(BackfillPolicy, {
      maxRangeDays: policy.maxRangeDays ?? DEFAULT_POLICY.maxRangeDays,
      earliestDate: Option.fromNullable(policy.earliestDate)
    }),
    options.idempotencyKeyLifetimeMillis === undefined
      ? Layer.empty
      : Layer.succeed(IdempotencyKeyLifetime, Duration.millis(options.idempotencyKeyLifetimeMillis)),
    logging
  )
  let runtime = ManagedRuntime.make(services)
  /**
   * A handler never fails, so a rejection is the services' layer failing to build: that
   * request gets a 503, and the next one builds the layer afresh.
   */
  const answer = <Response extends HttpResponse>(
    handled: Effect.Effect<Response, never, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>,
    requestId: string | undefined,
    unanswered: (response: HttpResponse) => Response
  ): Promise<Response> => {
    const current = runtime
    return current.runPromise(handled).catch(async (cause: unknown) => {
      if (runtime === current) runtime = ManagedRuntime.make(services)
      void current.dispose().catch(() => undefined)
      const unavailable = respond(Effect.fail(new ServiceUnavailable({ cause })), () => ({ data: null }), requestId)
      return unanswered(await Effect.runPromise(Effect.provide(unavailable, logging)))
    })
  }
  const asIs = (response: HttpResponse) => response
  const withoutCursor = (response: HttpResponse) => ({ ...response, nextCursor: null })
  const endpoints = Object.fromEntries(
    ENDPOINTS.map((endpoint) => [
      endpoint.name,
      // Each method is typed by `PromiseEndpoints` to take its own endpoint's request.
      (request: HostRequest) =>
        answer(
          (endpoint.handle as (request: HostRequest) => Effect.Effect<HttpResponse, never, ApiServices>)(request),
          request.requestId,
          endpoint.paged ? withoutCursor : asIs
        )
    ])
  ) as unknown as PromiseEndpoints
  return { ...endpoints, dispose: () => runtime.dispose() }
}
