/**
 * Fair claims in memory, with the PostgreSQL adapter's rules in one synchronous step: the
 * team with the fewest running days first (the team served least recently among equals),
 * then its backfill served least recently; teams and transfers at their caps skipped. A
 * lease holds one running day of its team and transfer until it is released, or swept
 * once it has expired on a backfill no worker will claim again.
 */
import { Either, Option } from "effect"
import type { TeamId, TransferId } from "../../domain/ids.js"
import { DayRuns, isLeaseLive, type Lease, type WorkerId } from "../../domain/runs.js"
import { hasWork } from "../../domain/status.js"
import type { ClaimCaps } from "../../domain/turns.js"
import type { MemoryStore, Stored } from "./store.js"

/** Sorts before every time: never served. */
const NEVER = Number.NEGATIVE_INFINITY

/** The order a claim prefers candidates in, smallest first: team, then backfill. */
type ClaimKey = readonly [number, number, bigint, number, bigint]

const before = (a: ClaimKey, b: ClaimKey): boolean => {
  for (let index = 0; index < a.length; index++) {
    const [x, y] = [a[index] as number | bigint, b[index] as number | bigint]
    if (x !== y) return x < y
  }
  return false
}

/**
 * The running days of every team and transfer, and when each team last got a slot: what
 * the claims of one memory store share.
 *
 * @since 0.3.0
 * @category utils
 */
export class RunningDays {
  private readonly byTeam = new Map<TeamId, number>()
  private readonly byTransfer = new Map<TransferId, number>()
  private readonly teamServedAt = new Map<TeamId, number>()
  private readonly leased = new Set<Stored>()

  constructor(private readonly store: MemoryStore) {}

  /** The team's running days: its leases, live or expired, not yet released or swept. */
  ofTeam(teamId: TeamId): number {
    return this.byTeam.get(teamId) ?? 0
  }

  ofTransfer(transferId: TransferId): number {
    return this.byTransfer.get(transferId) ?? 0
  }

  claim(workerId: WorkerId, nowMillis: number, leaseMillis: number, caps: ClaimCaps = {}): Option.Option<Lease> {
    this.sweep(nowMillis)
    let best: { readonly stored: Stored; readonly key: ClaimKey } | undefined
    for (const stored of this.store.withWorkRecords()) {
      if (Option.exists(stored.lease, (lease) => lease.workerId === workerId))
        return this.lease(stored, workerId, nowMillis, leaseMillis)
      if (!this.claimable(stored, nowMillis, caps)) continue
      const key: ClaimKey = [
        this.ofTeam(stored.teamId),
        this.teamServedAt.get(stored.teamId) ?? NEVER,
        stored.teamId,
        stored.servedAtMillis ?? NEVER,
        stored.backfill.id
      ]
      if (best === undefined || before(key, best.key)) best = { stored, key }
    }
    return best === undefined ? Option.none() : this.lease(best.stored, workerId, nowMillis, leaseMillis)
  }

  /**
   * Gives a lease's running day back: `false` when the lease was already released or
   * taken over, which gives nothing.
   */
  release(lease: Lease): boolean {
    return Either.match(this.store.held(lease), {
      onLeft: () => false,
      onRight: (stored) => {
        this.free(stored)
        return true
      }
    })
  }

  private claimable(stored: Stored, nowMillis: number, caps: ClaimCaps): boolean {
    if (Option.exists(stored.lease, (lease) => isLeaseLive(lease, nowMillis))) return false
    // An expired lease's running day passes to its next holder: no cap is crossed.
    if (Option.isSome(stored.lease)) return true
    const teamCap = caps.maxRunningDaysPerTeam
    const transferCap = Option.getOrUndefined(stored.processing.transferMaxRunningDays)
    return (
      (teamCap === undefined || this.ofTeam(stored.teamId) < teamCap) &&
      (transferCap === undefined || this.ofTransfer(stored.backfill.transferId) < transferCap)
    )
  }

  private lease(stored: Stored, workerId: WorkerId, nowMillis: number, leaseMillis: number) {
    if (Option.isNone(stored.lease)) {
      this.byTeam.set(stored.teamId, this.ofTeam(stored.teamId) + 1)
      this.byTransfer.set(stored.backfill.transferId, this.ofTransfer(stored.backfill.transferId) + 1)
      this.teamServedAt.set(stored.teamId, nowMillis)
    }
    for (const [day, run] of stored.runs) if (run.state === "running") stored.runs.set(day, DayRuns.requeued(run))
    stored.fence += 1
    stored.servedAtMillis = nowMillis
    const lease: Lease = {
      backfillId: stored.backfill.id,
      workerId,
      fence: stored.fence,
      expiresAtMillis: nowMillis + leaseMillis
    }
    stored.lease = Option.some(lease)
    this.leased.add(stored)
    return Option.some(lease)
  }

  private free(stored: Stored): void {
    stored.lease = Option.none()
    this.leased.delete(stored)
    this.byTeam.set(stored.teamId, Math.max(this.ofTeam(stored.teamId) - 1, 0))
    this.byTransfer.set(stored.backfill.transferId, Math.max(this.ofTransfer(stored.backfill.transferId) - 1, 0))
  }

  /** Expired leases on backfills without work give their running days back. */
  private sweep(nowMillis: number): void {
    for (const stored of this.leased) {
      if (!hasWork(stored.backfill.status) && !Option.exists(stored.lease, (lease) => isLeaseLive(lease, nowMillis)))
        this.free(stored)
    }
  }
}
