/**
 * Timing helpers for the benchmarks: per-operation latencies with `performance.now`, and
 * side-by-side rounds so that a noisy neighbour slows both sides of a ratio alike.
 */

export interface Timing {
  readonly opsPerSecond: number
  readonly p50Micros: number
  readonly p99Micros: number
  readonly meanMicros: number
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN

export const summarise = (latenciesMs: ReadonlyArray<number>, wallMs: number): Timing => {
  const sorted = [...latenciesMs].sort((a, b) => a - b)
  const total = latenciesMs.reduce((sum, latency) => sum + latency, 0)
  return {
    opsPerSecond: (latenciesMs.length / wallMs) * 1000,
    p50Micros: percentile(sorted, 0.5) * 1000,
    p99Micros: percentile(sorted, 0.99) * 1000,
    meanMicros: (total / latenciesMs.length) * 1000
  }
}

/** Runs `op` `count` times one after the other, from index `first`: each call's latency, in ms. */
export const latenciesOf = async (count: number, op: (index: number) => unknown, first = 0) => {
  const latencies: Array<number> = []
  for (let index = first; index < first + count; index++) {
    const before = performance.now()
    await op(index)
    latencies.push(performance.now() - before)
  }
  return latencies
}

/** Runs `op` `count` times one after the other, timing each. */
export const timeSequential = async (count: number, op: (index: number) => unknown): Promise<Timing> => {
  const start = performance.now()
  const latencies = await latenciesOf(count, op)
  return summarise(latencies, performance.now() - start)
}

/**
 * Alternates rounds of `a` and `b` (after a warm-up of each), so that both see the same
 * machine; returns each side's timing over all its rounds.
 */
export const sideBySide = async (
  rounds: number,
  perRound: number,
  a: (index: number) => unknown,
  b: (index: number) => unknown
): Promise<readonly [Timing, Timing]> => {
  let next = { a: 0, b: 0 }
  await timeSequential(perRound, (i) => a(next.a + i))
  await timeSequential(perRound, (i) => b(next.b + i))
  next = { a: perRound, b: perRound }
  const latencies = { a: [] as Array<number>, b: [] as Array<number> }
  const wall = { a: 0, b: 0 }
  for (let round = 0; round < rounds; round++) {
    for (const side of ["a", "b"] as const) {
      const op = side === "a" ? a : b
      const start = performance.now()
      for (let index = 0; index < perRound; index++) {
        const before = performance.now()
        await op(next[side] + index)
        latencies[side].push(performance.now() - before)
      }
      wall[side] += performance.now() - start
      next = { ...next, [side]: next[side] + perRound }
    }
  }
  return [summarise(latencies.a, wall.a), summarise(latencies.b, wall.b)]
}

export interface Result {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline: number
  readonly ratio: number
  readonly goal: string
  readonly met: boolean
}
