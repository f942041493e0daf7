/**
 * The reference host's rate limits: `@effect/experimental`'s `RateLimiter` (fixed
 * window, `limit` requests per hour and key) over a store of windows, in this process's
 * memory by default, or in Redis so that several host processes enforce one quota.
 */
import { RateLimiter } from "@effect/experimental"
import * as RedisStore from "@effect/experimental/RateLimiter/Redis"
import { Clock, Context, Duration, Effect, Layer, Option } from "effect"

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
    /** Charges one request to `key`. */
    readonly take: (key: string) => Effect.Effect<Quota>
    /**
     * The refusal `key` last got in this process, while its window lasts: lets the host
     * skip work (a token lookup, say) for a caller it already knows to be over its limit.
     */
    readonly refusedLately: (key: string) => Effect.Effect<Option.Option<Quota>>
  }
>() {}

const WINDOW = Duration.hours(1)

/** Most keys an in-memory structure of the limiter remembers at once. */
export const MEMORY_CAPACITY = 100_000

/**
 * A map of at most `capacity` entries for state that lapses. When a write finds it full,
 * it drops every entry that `isLapsed` (they would read as fresh anyway), then, if more
 * than nine tenths are still live, those written longest ago: so a full sweep comes at
 * most once per tenth of `capacity` writes, and a write costs O(1) on average.
 */
export class LapsingMap<V> {
  // Map order is write order: the first entries were written longest ago.
  private readonly entries = new Map<string, V>()

  constructor(
    private readonly capacity: number,
    private readonly isLapsed: (value: V, now: number) => boolean
  ) {}

  get size(): number {
    return this.entries.size
  }

  get(key: string, now: number): V | undefined {
    const value = this.entries.get(key)
    return value === undefined || this.isLapsed(value, now) ? undefined : value
  }

  set(key: string, value: V, now: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.capacity) {
      for (const [known, entry] of this.entries) if (this.isLapsed(entry, now)) this.entries.delete(known)
      const keep = Math.floor(this.capacity * 0.9)
      for (const oldest of this.entries.keys()) {
        if (this.entries.size <= keep) break
        this.entries.delete(oldest)
      }
    }
    this.entries.set(key, value)
  }
}

/**
 * `RateLimiter.layerStoreMemory` with a bound: the same answers, but at most `capacity`
 * keys per algorithm. A fixed window lapses when it expires: dropping it forgets nothing.
 * A token bucket never lapses (even full, the phase of its refills shapes later
 * answers). Beyond `capacity` keys the one written longest ago is forgotten, and its
 * caller starts afresh. A window costs about 200 bytes
 * (key included; 19 MB measured for 100,000), so the default bound holds the store near
 * 20 MB per algorithm however many callers come.
 */
export const makeBoundedMemoryStore = (capacity: number = MEMORY_CAPACITY) => {
  const windows = new LapsingMap<{ count: number; expiresAt: number }>(
    capacity,
    (window, now) => window.expiresAt <= now
  )
  const buckets = new LapsingMap<{ tokens: number; lastRefill: number }>(capacity, () => false)
  const store = RateLimiter.RateLimiterStore.of({
    fixedWindow: (options) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const window = windows.get(options.key, now) ?? { count: 0, expiresAt: now }
        if (options.limit !== undefined && window.count + options.tokens > options.limit) {
          // Written again, so that a caller over its limit is not the first one forgotten.
          if (window.count > 0) windows.set(options.key, window, now)
          return [window.count + options.tokens, window.expiresAt - now] as const
        }
        window.count += options.tokens
        window.expiresAt += Duration.toMillis(options.refillRate) * options.tokens
        windows.set(options.key, window, now)
        return [window.count, window.expiresAt - now] as const
      }),
    tokenBucket: (options) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const refillMillis = Duration.toMillis(options.refillRate)
        const bucket = buckets.get(options.key, now) ?? { tokens: options.limit, lastRefill: now }
        const refilled = Math.floor((now - bucket.lastRefill) / refillMillis)
        if (refilled > 0) {
          bucket.tokens = Math.min(options.limit, bucket.tokens + refilled)
          bucket.lastRefill += refilled * refillMillis
        }
        const next = bucket.tokens - options.tokens
        if (options.allowOverflow || next >= 0) bucket.tokens = next
        buckets.set(options.key, bucket, now)
        return next
      })
  })
  return { store, size: () => windows.size + buckets.size }
}

/** Where the windows live: this process, or a Redis server (`redis://host:port/db`). */
export type RateLimitStore =
  | { readonly _tag: "Memory" }
  | { readonly _tag: "Redis"; readonly url: string; readonly prefix?: string }

const layerStore = (store: RateLimitStore) => {
  if (store._tag === "Memory") return Layer.sync(RateLimiter.RateLimiterStore, () => makeBoundedMemoryStore().store)
  const url = new URL(store.url)
  return RedisStore.layerStore({
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    // Fail fast while Redis is away instead of queueing requests behind it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    prefix: store.prefix ?? "transfer-backfills:rate:"
  })
}

const seconds = (duration: Duration.Duration) => Math.max(1, Math.ceil(Duration.toSeconds(duration)))

/**
 * A limiter of `limit` requests per hour and key. A store that cannot answer (Redis
 * away) lets the request through, with a warning: the API stays up without its limits
 * rather than down because of them.
 */
export const layerRequestLimiter = (limit: number, store: RateLimitStore): Layer.Layer<RequestLimiter> =>
  Layer.effect(
    RequestLimiter,
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.make
      const refusals = new LapsingMap<{ readonly quota: Quota; readonly untilMillis: number }>(
        MEMORY_CAPACITY,
        (refusal, now) => refusal.untilMillis <= now
      )
      const refuse = (key: string, retryAfter: Duration.Duration) =>
        Effect.map(Clock.currentTimeMillis, (now): Quota => {
          const quota: Quota = { allowed: false, limit, remaining: 0, resetSeconds: seconds(retryAfter) }
          refusals.set(key, { quota, untilMillis: now + Duration.toMillis(retryAfter) }, now)
          return quota
        })
      return {
        take: (key) =>
          limiter.consume({ key, limit, window: WINDOW, algorithm: "fixed-window", onExceeded: "fail" }).pipe(
            Effect.map(
              (result): Quota => ({
                allowed: true,
                limit,
                remaining: result.remaining,
                resetSeconds: seconds(result.resetAfter)
              })
            ),
            Effect.catchTag("RateLimiterError", (error) =>
              error.reason === "Exceeded"
                ? refuse(key, error.retryAfter)
                : Effect.as(Effect.logWarning("The rate limit store is unavailable; not limiting", error), {
                    allowed: true,
                    limit,
                    remaining: limit,
                    resetSeconds: seconds(WINDOW)
                  })
            )
          ),
        refusedLately: (key) =>
          Effect.map(Clock.currentTimeMillis, (now) =>
            Option.map(Option.fromNullable(refusals.get(key, now)), (refusal) => ({
              ...refusal.quota,
              resetSeconds: Math.max(1, Math.ceil((refusal.untilMillis - now) / 1000))
            }))
          )
      }
    })
  ).pipe(Layer.provide(layerStore(store)))
