/**
 * What `createPromiseApi` takes, and its check of them at creation: a host learns of
 * options it cannot work with when it creates the API, not on the first request.
 */
import { type Layer, Option, Schema } from "effect"
import { CalendarDate } from "../domain/calendarDate.js"
import { LOG_LEVELS, type PlainLogEntry, type PlainLogLevel } from "./logging.js"
import type { PlainPrincipal, PlainTransfer } from "./plainPorts.js"
import type { PromiseBackfillRepository } from "./repository.js"
import { PROMISE_REPOSITORY_METHODS } from "./repositoryLayer.js"

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
 * Ports from a layer: some or all of `Authenticator`, `TransferLookup`,
 * `BackfillRepository` (and, for a worker, `WorkerRepository`), with nothing left to
 * provide, e.g. `connectPostgres(…).layer` from `transfer-backfills/promise/postgres`. A
 * Promise host passes it along and never needs to import Effect.
 *
 * @since 0.2.0
 * @category models
 */
export interface LayerPorts {
  /**
   * Built on the first request; when building fails (a database that does not answer
   * yet), that request gets a 503 and the next one builds it afresh. A port given as a
   * function too is the function's; an API port neither in it nor given as a function
   * is named in the error its build then fails with.
   */
  readonly layer: Layer.Layer<never, unknown>
}

/**
 * Everything `createPromiseApi` takes: the settings, and the ports as plain async
 * functions (`PromisePorts`), from a layer (`LayerPorts`), or some of each.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseApiOptions = PromiseApiSettings & (PromisePorts | (Partial<PromisePorts> & LayerPorts))

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

const PolicyFromPlain = Schema.Struct({
  maxRangeDays: Schema.optional(Schema.Int.pipe(Schema.positive())),
  earliestDate: Schema.optional(Schema.NullOr(CalendarDate))
})
const decodePolicy = Schema.decodeUnknownEither(PolicyFromPlain, { onExcessProperty: "error" })

const refuse = (problem: string): never => {
  throw new PromiseApiOptionsError(`createPromiseApi: ${problem}`)
}

/** The options with every port field, each possibly `undefined`, as JavaScript callers may pass them. */
export type LooseOptions = PromiseApiSettings & Partial<PromisePorts> & Partial<LayerPorts>

export const validated = (options: LooseOptions) => {
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
  for (const name of ["authenticate", "findTeamTransfer"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") refuse(`${name} must be a function.`)
  }
  if (options.layer === undefined && (options.authenticate === undefined || options.findTeamTransfer === undefined)) {
    refuse("authenticate and findTeamTransfer must be functions (or come from a layer).")
  }
  const repository = options.repository as Record<string, unknown> | undefined
  const missing = PROMISE_REPOSITORY_METHODS.filter((method) => typeof repository?.[method] !== "function")
  if (repository !== undefined && missing.length > 0) {
    refuse(
      `repository lacks ${missing.join(", ")} (see PromiseBackfillRepository: since 0.2 the library decides ` +
        "cancels and retries, and the store writes them through change)."
    )
  }
  return Option.getOrThrow(Option.getRight(policy))
}
