/**
 * Fixed windows of the reference host's rate limits, and the store they live in. A
 * caller's window opens with its first request and lasts `windowMillis`; in it at most
 * `limit` requests are admitted, and a refused request counts for nothing. Every
 * quantity is a whole number (requests, milliseconds), so a window is exact for every
 * limit a host may set.
 */
import { Clock, Data, Effect } from "effect"
import { LapsingMap, MEMORY_CAPACITY } from "./lapsingMap.js"

/** What a store answered to one request of a caller. */
export interface WindowAnswer {
  readonly admitted: boolean
  /** Requests admitted in the window, this one included when admitted. */
  readonly count: number
  /** Milliseconds until the window ends, at least 1. */
  readonly resetMillis: number
}

/** The store did not answer (Redis away, or too slow): requests are let through. */
export class WindowStoreUnreachable extends Data.TaggedError("WindowStoreUnreachable")<{
  readonly message: string
}> {}

/** The store answered with an error: a defect of the host or its store, so requests are refused. */
export class WindowStoreFailed extends Data.TaggedError("WindowStoreFailed")<{
  readonly message: string
}> {}

export interface WindowStore {
  /** Counts one request of `key` against `limit` in its current window. */
  readonly take: (key: string, limit: number) => Effect.Effect<WindowAnswer, WindowStoreUnreachable | WindowStoreFailed>
}

interface Window {
  count: number
  readonly endsAt: number
}

/**
 * Windows in this process's memory, at most `capacity` at once: an ended window lapses
 * (dropping it forgets nothing); beyond `capacity` live ones, the window written longest
 * ago is forgotten and its caller starts afresh. A window costs about 200 bytes (key
 * included; 19 MB measured for 100,000), so the bound holds the store near 20 MB however
 * many callers come.
 */
export const makeMemoryWindows = (windowMillis: number, capacity: number = MEMORY_CAPACITY) => {
  const windows = new LapsingMap<Window>(capacity, (window, now) => window.endsAt <= now)
  const store: WindowStore = {
    take: (key, limit) =>
      Effect.map(Clock.currentTimeMillis, (now): WindowAnswer => {
        const window = windows.get(key, now)
        if (window === undefined) {
          windows.set(key, { count: 1, endsAt: now + windowMillis }, now)
          return { admitted: true, count: 1, resetMillis: windowMillis }
        }
        const admitted = window.count < limit
        if (admitted) window.count += 1
        // Written again either way, so that a caller over its limit is not the first one forgotten.
        windows.set(key, window, now)
        return { admitted, count: window.count, resetMillis: window.endsAt - now }
      })
  }
  return { store, size: () => windows.size }
}
