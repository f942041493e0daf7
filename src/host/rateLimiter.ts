/**
 * The reference host's rate limits: `limit` requests per hour and caller, in fixed
 * windows (`windows.ts`) kept in this process's memory by default, or in Redis so that
 * several host processes enforce one quota. A store that cannot be reached lets requests
 * through (the API stays up without its limits rather than down because of them); a
 * store that answers with an error is a defect, and requests are refused with 503 until
 * it is fixed. Either is logged at most once a minute, whatever the request rate.
 */
import { Clock, Context, Duration, Effect, Layer, Option, type Scope } from "effect"
import { ServiceUnavailable } from "../domain/errors.js"
import { LapsingMap, MEMORY_CAPACITY } from "./lapsingMap.js"
import { makeRedisWindows } from "./redisWindows.js"
import { makeMemoryWindows, type WindowStore } from "./windows.js"

export interface Quota {
  readonly allowed: boolean
  readonly limit: number
  /** Requests left in the current window after this one. */
  readonly remaining: number
  /** Whole seconds until the window resets (`Retry-After` when refused). */
  readonly resetSeconds: number
}

export class RequestLimiter extends Context.Tag("transfer-backfills/host/RequestLimiter")<
  RequestLimiter,
  {
    /** Charges one request to `key`; fails when the store answered with an error. */
    readonly take: (key: string) => Effect.Effect<Quota, ServiceUnavailable>
    /**
     * The refusal `key` last got in this process, while its window lasts: lets the host
     * skip work (a token lookup, say) for a caller it already knows to be over its limit.
     */
    readonly refusedLately: (key: string) => Effect.Effect<Option.Option<Quota>>
  }
>() {}

export const WINDOW = Duration.hours(1)

/** A limit every store counts exactly: a whole number of requests, 1 at least, exact as a double. */
export const isRepresentableLimit = (limit: number) => Number.isSafeInteger(limit) && limit >= 1

/** Where the windows live: this process, or a Redis server (`redis://host:port/db`). */
export type RateLimitStore =
  | { readonly _tag: "Memory" }
  | {
      readonly _tag: "Redis"
      readonly url: string
      readonly prefix: string
      /** How long a command may wait for Redis before the request is let through unlimited. */
      readonly commandTimeout: Duration.Duration
    }

/** How often, at most, the host logs that its store is unreachable, and that it failed. */
export const STORE_WARNING_INTERVAL = Duration.minutes(1)

/**
 * Runs `log` at most once per `STORE_WARNING_INTERVAL` for each kind, telling it how many
 * occurrences were held back since the last one, so that no client can grow the log.
 */
const makeThrottledLog = () => {
  const kinds = new Map<string, { loggedAt: number; heldBack: number }>()
  const interval = Duration.toMillis(STORE_WARNING_INTERVAL)
  return (kind: string, log: (heldBack: number) => Effect.Effect<void>) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const last = kinds.get(kind)
      if (last !== undefined && now - last.loggedAt < interval) {
        last.heldBack += 1
        return Effect.void
      }
      kinds.set(kind, { loggedAt: now, heldBack: 0 })
      return log(last?.heldBack ?? 0)
    })
}

const heldBackNote = (heldBack: number) => (heldBack === 0 ? "" : ` (${heldBack} more since the last such message)`)

const seconds = (millis: number) => Math.max(1, Math.ceil(millis / 1000))

const makeStore = (store: RateLimitStore): Effect.Effect<WindowStore, never, Scope.Scope> =>
  store._tag === "Memory"
    ? Effect.sync(() => makeMemoryWindows(Duration.toMillis(WINDOW)).store)
    : makeRedisWindows({ ...store, windowMillis: Duration.toMillis(WINDOW) })

/** A limiter of `limit` requests per hour and key, on `store`. */
export const layerRequestLimiter = (limit: number, store: RateLimitStore): Layer.Layer<RequestLimiter> =>
  Layer.scoped(
    RequestLimiter,
    Effect.gen(function* () {
      if (!isRepresentableLimit(limit)) {
        return yield* Effect.dieMessage(
          `The rate limit must be a whole number of requests from 1 to 2^53 - 1, not ${limit}`
        )
      }
      const windows = yield* makeStore(store)
      const throttled = makeThrottledLog()
      const refusals = new LapsingMap<{ readonly quota: Quota; readonly untilMillis: number }>(
        MEMORY_CAPACITY,
        (refusal, now) => refusal.untilMillis <= now
      )
      const take = (key: string): Effect.Effect<Quota, ServiceUnavailable> =>
        windows.take(key, limit).pipe(
          Effect.flatMap((answer) => {
            const quota: Quota = {
              allowed: answer.admitted,
              limit,
              remaining: answer.admitted ? limit - answer.count : 0,
              resetSeconds: seconds(answer.resetMillis)
            }
            if (answer.admitted) return Effect.succeed(quota)
            return Effect.as(
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                Effect.sync(() => refusals.set(key, { quota, untilMillis: now + answer.resetMillis }, now))
              ),
              quota
            )
          }),
          Effect.catchTags({
            WindowStoreUnreachable: (error) =>
              Effect.as(
                throttled("unreachable", (heldBack) =>
                  Effect.logWarning(
                    `The rate limit store is unreachable, so requests are not limited: ${error.message}${heldBackNote(heldBack)}`
                  )
                ),
                { allowed: true, limit, remaining: limit, resetSeconds: seconds(Duration.toMillis(WINDOW)) }
              ),
            WindowStoreFailed: (error) =>
              Effect.zipRight(
                throttled("failed", (heldBack) =>
                  Effect.logError(
                    `The rate limit store answered with an error, so requests are refused: ${error.message}${heldBackNote(heldBack)}`
                  )
                ),
                Effect.fail(new ServiceUnavailable({}))
              )
          })
        )
      return {
        take,
        refusedLately: (key) =>
          Effect.map(Clock.currentTimeMillis, (now) =>
            Option.map(Option.fromNullable(refusals.get(key, now)), (refusal) => ({
              ...refusal.quota,
              resetSeconds: seconds(refusal.untilMillis - now)
            }))
          )
      }
    })
  )
