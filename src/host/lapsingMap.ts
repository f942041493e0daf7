/**
 * A bounded map for state that lapses, shared by the reference host's in-memory rate
 * limit windows and its memory of refused and recently valid callers.
 */

/** Most keys an in-memory structure of the host remembers at once. */
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
