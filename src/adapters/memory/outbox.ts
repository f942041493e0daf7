/**
 * The memory store's outbox: each backfill's events in sequence order, with where each
 * stands in its delivery, and the relays' holds. Appended to in the store's own atomic
 * steps, so a change and its events are one step, as in a transaction.
 */
import { Option } from "effect"
import type { BackfillEvent, EventDetails } from "../../domain/events.js"
import type { BackfillId, TeamId } from "../../domain/ids.js"
import type { EpochSeconds } from "../../domain/time.js"
import type { FailedDelivery, HeldEvents, HoldLimits } from "../../ports/backfillOutbox.js"

interface OutboxEntry {
  readonly event: BackfillEvent
  /** Where it stands among every event of the store: the order relays take backfills in. */
  readonly position: number
  state: "pending" | "delivered" | "dead_letter"
  failedAttempts: number
  dueAtMillis: number
  lastError: string | undefined
  deliveredAtMillis: number | undefined
}

interface Hold {
  readonly relayId: string
  readonly untilMillis: number
}

/** What the events of a change are about: the backfill's ids after the change. */
export interface EventSubject {
  readonly teamId: TeamId
  readonly backfill: Pick<BackfillEvent, "transferId"> & { readonly id: BackfillId }
}

/** One store's outbox; each method is a synchronous step of the store's. */
export class MemoryOutbox {
  private appended = 0
  private readonly byBackfill = new Map<BackfillId, Array<OutboxEntry>>()
  /** Backfills with a pending event, each with the index of its oldest pending one. */
  private readonly pendingFrom = new Map<BackfillId, number>()
  private readonly holds = new Map<BackfillId, Hold>()

  append(subject: EventSubject, details: ReadonlyArray<EventDetails>, time: EpochSeconds): void {
    if (details.length === 0) return
    const { backfill, teamId } = subject
    const entries = this.byBackfill.get(backfill.id) ?? []
    this.byBackfill.set(backfill.id, entries)
    if (!this.pendingFrom.has(backfill.id)) this.pendingFrom.set(backfill.id, entries.length)
    for (const said of details) {
      // The details are spread last: spread first, at a site that meets every kind of event,
      // V8 gave each stored event a hidden class of its own, some 300 bytes apiece.
      const event: BackfillEvent = {
        backfillId: backfill.id,
        teamId,
        transferId: backfill.transferId,
        sequence: entries.length + 1,
        time,
        ...said
      }
      entries.push({
        event,
        position: ++this.appended,
        state: "pending",
        failedAttempts: 0,
        dueAtMillis: 0,
        lastError: undefined,
        deliveredAtMillis: undefined
      })
    }
  }

  /** Events of the backfill after `afterSequence`, in order, at most `limit`. */
  after(id: BackfillId, afterSequence: number, limit: number): ReadonlyArray<BackfillEvent> {
    const entries = this.byBackfill.get(id) ?? []
    return entries.slice(Math.max(afterSequence, 0), Math.max(afterSequence, 0) + limit).map((entry) => entry.event)
  }

  hold(relayId: string, nowMillis: number, holdMillis: number, limits: HoldLimits): ReadonlyArray<HeldEvents> {
    const due: Array<{ readonly id: BackfillId; readonly head: OutboxEntry; readonly from: number }> = []
    for (const [id, from] of this.pendingFrom) {
      const head = this.byBackfill.get(id)?.[from]
      const hold = this.holds.get(id)
      if (head === undefined || head.dueAtMillis > nowMillis) continue
      if (hold !== undefined && hold.untilMillis > nowMillis) continue
      due.push({ id, head, from })
    }
    due.sort((a, b) => a.head.position - b.head.position)
    return due.slice(0, Math.max(limits.backfills, 0)).map(({ id, from }) => {
      this.holds.set(id, { relayId, untilMillis: nowMillis + holdMillis })
      const entries = this.byBackfill.get(id) ?? []
      return {
        backfillId: id,
        events: entries
          .slice(from)
          .filter((entry) => entry.state === "pending")
          .slice(0, Math.max(limits.eventsPerBackfill, 1))
          .map((entry) => ({ event: entry.event, failedAttempts: entry.failedAttempts }))
      }
    })
  }

  markDelivered(relayId: string, id: BackfillId, throughSequence: number, nowMillis: number): void {
    this.delivered(id, throughSequence, nowMillis)
    this.settle(relayId, id)
  }

  markFailed({ relayId, id, sequence, error, retryAtMillis, nowMillis }: FailedDelivery): void {
    this.delivered(id, sequence - 1, nowMillis)
    const entry = this.byBackfill.get(id)?.[sequence - 1]
    if (entry !== undefined && entry.state === "pending" && this.holds.get(id)?.relayId === relayId) {
      entry.failedAttempts += 1
      entry.lastError = error
      Option.match(retryAtMillis, {
        onNone: () => {
          entry.state = "dead_letter"
        },
        onSome: (at) => {
          entry.dueAtMillis = at
        }
      })
    }
    this.settle(relayId, id)
  }

  private delivered(id: BackfillId, throughSequence: number, nowMillis: number): void {
    for (const entry of this.byBackfill.get(id) ?? []) {
      if (entry.event.sequence > throughSequence) break
      if (entry.state !== "pending") continue
      entry.state = "delivered"
      entry.deliveredAtMillis = nowMillis
    }
  }

  /** Ends `relayId`'s hold and moves the backfill's oldest pending event on. */
  private settle(relayId: string, id: BackfillId): void {
    if (this.holds.get(id)?.relayId === relayId) this.holds.delete(id)
    const entries = this.byBackfill.get(id) ?? []
    const from = entries.findIndex(
      (entry, index) => index >= (this.pendingFrom.get(id) ?? 0) && entry.state === "pending"
    )
    if (from === -1) this.pendingFrom.delete(id)
    else this.pendingFrom.set(id, from)
  }
}
