/**
 * A fixed-window rate limiter: each caller may make `limit` requests per hour. Kept in
 * process memory, which suits one reference host; a fleet would keep the windows in a
 * shared store.
 */
import { Clock, Effect } from "effect"

export interface Quota {
  readonly allowed: boolean
  readonly limit: number
  /** Requests left in the current window after this one. */
  readonly remaining: number
  /** Whole seconds until the window resets. */
  readonly retryAfterSeconds: number
}

export interface RateLimiter {
  readonly take: (caller: string) => Effect.Effect<Quota>
}

const WINDOW_MS = 60 * 60 * 1000

export const makeRateLimiter = (limit: number): RateLimiter => {
  const windows = new Map<string, { start: number; used: number }>()
  return {
    take: (caller) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = windows.get(caller)
        const window = current === undefined || now - current.start >= WINDOW_MS ? { start: now, used: 0 } : current
        const allowed = window.used < limit
        if (allowed) window.used += 1
        windows.set(caller, window)
        return {
          allowed,
          limit,
          remaining: Math.max(0, limit - window.used),
          retryAfterSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000))
        }
      })
  }
}
