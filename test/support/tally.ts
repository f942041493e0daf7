import { Effect } from "effect"

/** Counts calls per key (a worker and a day, say), to say how often each happened. */
export const tally = () => {
  const counts = new Map<string, number>()
  return {
    add: (key: string) => Effect.sync(() => counts.set(key, (counts.get(key) ?? 0) + 1)),
    entries: () => Object.fromEntries(counts)
  }
}
