/**
 * The rate limit windows in Redis, shared by every host process that names the same
 * server and prefix. One Lua script reads, counts and opens a window in one atomic step;
 * it works in whole numbers only (`PX` takes whole milliseconds), and the window's time
 * is the Redis server's, so hosts whose clocks disagree still share one window.
 */
import { Duration, Effect, type Scope } from "effect"
import { Redis } from "ioredis"
import { type WindowAnswer, type WindowStore, WindowStoreFailed, WindowStoreUnreachable } from "./windows.js"

/** KEYS[1] the caller's window; ARGV limit, window length in milliseconds. Answers admitted (1/0), count, ms left. */
const TAKE_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local count = tonumber(redis.call("GET", KEYS[1]))
local left = redis.call("PTTL", KEYS[1])
if count == nil or left < 1 then
  redis.call("SET", KEYS[1], 1, "PX", window)
  return { 1, 1, window }
end
if count >= limit then
  return { 0, count, left }
end
redis.call("INCR", KEYS[1])
return { 1, count + 1, left }
`

interface RedisWithWindows extends Redis {
  takeFromWindow(key: string, limit: number, windowMillis: number): Promise<[number, number, number]>
}

export interface RedisWindowsOptions {
  /** `redis://[user:password@]host:port/db`. */
  readonly url: string
  /** Prepended to every key. */
  readonly prefix: string
  readonly windowMillis: number
  /** How long a command may wait for Redis before the request is let through unlimited. */
  readonly commandTimeout: Duration.Duration
}

/** A reply error is Redis refusing a command: a defect. Anything else means Redis could not be asked. */
const storeError = (error: unknown) => {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 200)
  return error instanceof Error && error.name === "ReplyError"
    ? new WindowStoreFailed({ message })
    : new WindowStoreUnreachable({ message })
}

/** A client for the scope; it waits for Redis at most `commandTimeout` at start, then connects in the background. */
export const makeRedisWindows = (options: RedisWindowsOptions): Effect.Effect<WindowStore, never, Scope.Scope> =>
  Effect.gen(function* () {
    const timeoutMillis = Duration.toMillis(options.commandTimeout)
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const client = new Redis(options.url, {
          keyPrefix: options.prefix,
          // Fail fast while Redis is away instead of queueing requests behind it.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: timeoutMillis,
          connectTimeout: timeoutMillis,
          lazyConnect: true
        }) as RedisWithWindows
        client.defineCommand("takeFromWindow", { numberOfKeys: 1, lua: TAKE_SCRIPT })
        // Connection errors surface as failed commands; unhandled, ioredis would print each one.
        client.on("error", () => undefined)
        return client
      }),
      (client) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
    )
    yield* Effect.promise(() => redis.connect().catch(() => undefined)).pipe(
      Effect.timeoutOption(options.commandTimeout)
    )
    return {
      take: (key, limit) =>
        Effect.tryPromise({
          try: () => redis.takeFromWindow(key, limit, options.windowMillis),
          catch: storeError
        }).pipe(
          Effect.map(
            ([admitted, count, left]): WindowAnswer => ({
              admitted: admitted === 1,
              count,
              resetMillis: Math.max(1, left)
            })
          )
        )
    }
  })
