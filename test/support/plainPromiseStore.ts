/**
 * A backfill store as a host without Effect might write one: plain objects in a Map,
 * ids as decimal strings, every method async. What `layerPromiseBackfillRepository`
 * must turn into a port that keeps the conformance suite's promises.
 */
import type {
  PlainBackfill,
  PlainIdempotentRequest,
  PlainKeyAnswer,
  PromiseBackfillRepository
} from "transfer-backfills/promise"

const ACTIVE = new Set(["CREATED", "SCHEDULED", "RUNNING", "FAILED"])

interface Row {
  readonly teamId: string
  backfill: PlainBackfill
}

export const makePlainPromiseStore = (): PromiseBackfillRepository => {
  const rows = new Map<bigint, Row>()
  let lastId = 0n
  const ofTeam = (teamId: string, id: string) => {
    const row = rows.get(BigInt(id))
    return row?.teamId === teamId ? row : undefined
  }
  const keys = new Map<string, { fingerprint: string; answer: PlainBackfill; expiresAtMillis: number }>()
  /** A keyed change: the key's answer when it is known, else the change, whose answer the key then keeps. */
  const keyed = <A extends object>(
    teamId: string,
    idempotency: PlainIdempotentRequest | undefined,
    change: () => A,
    answerOf: (outcome: A) => PlainBackfill | undefined
  ): A | PlainKeyAnswer => {
    if (idempotency === undefined) return change()
    const id = `${teamId}/${idempotency.userId}/${idempotency.key}`
    const known = keys.get(id)
    if (known !== undefined && known.expiresAtMillis > idempotency.timeMillis) {
      return known.fingerprint === idempotency.fingerprint ? { replayed: known.answer } : { idempotencyKey: "reused" }
    }
    const outcome = change()
    const answer = answerOf(outcome)
    if (answer !== undefined) {
      keys.set(id, { fingerprint: idempotency.fingerprint, answer, expiresAtMillis: idempotency.expiresAtMillis })
    }
    return outcome
  }
  const insert = (teamId: string, backfill: Omit<PlainBackfill, "id">) => {
    // One synchronous stretch between check and insert: atomic on one event loop.
    for (const row of rows.values()) {
      const other = row.backfill
      if (
        String(other.transferId) === String(backfill.transferId) &&
        ACTIVE.has(other.status) &&
        other.rangeStart <= backfill.rangeEnd &&
        backfill.rangeStart <= other.rangeEnd
      ) {
        return { conflicting: other }
      }
    }
    lastId += 1n
    const inserted = { ...backfill, id: String(lastId) }
    rows.set(lastId, { teamId, backfill: inserted })
    return { inserted }
  }
  return {
    insertUnlessOverlapping: async (teamId, backfill, idempotency) =>
      keyed(
        teamId,
        idempotency,
        () => insert(teamId, backfill),
        (outcome) => ("inserted" in outcome ? outcome.inserted : undefined)
      ),
    findForTeam: async (teamId, id) => ofTeam(teamId, id)?.backfill ?? null,
    activeOverlapping: async (teamId, transferId, range) =>
      [...rows.values()]
        .filter(
          ({ teamId: owner, backfill }) =>
            owner === teamId &&
            String(backfill.transferId) === transferId &&
            ACTIVE.has(backfill.status) &&
            backfill.rangeStart <= range.rangeEnd &&
            range.rangeStart <= backfill.rangeEnd
        )
        .map(({ backfill }) => backfill)
        .sort((a, b) => (a.rangeStart < b.rangeStart ? -1 : 1)),
    latestForTransfer: async (teamId, transferId) => {
      const ofTransfer = [...rows.values()].filter(
        (row) => row.teamId === teamId && String(row.backfill.transferId) === transferId
      )
      return ofTransfer.at(-1)?.backfill ?? null
    },
    listForTeam: async (teamId, page) =>
      [...rows.entries()]
        .filter(
          ([id, row]) =>
            row.teamId === teamId &&
            page.statuses.includes(row.backfill.status) &&
            (page.beforeId === null || id < BigInt(page.beforeId))
        )
        .map(([, row]) => row.backfill)
        .reverse()
        .slice(0, page.limit),
    // Storage only: the library decides the change, the store writes it. It keeps no runs,
    // so it writes the backfill alone.
    change: async (teamId, id, decide, idempotency) => {
      const row = ofTeam(teamId, id)
      if (row === undefined) return null
      return keyed(
        teamId,
        idempotency,
        () => {
          const next = decide(row.backfill)
          if (next === null) return { unchanged: row.backfill }
          row.backfill = next.backfill
          return { changed: row.backfill }
        },
        (outcome) => ("changed" in outcome ? outcome.changed : undefined)
      )
    },
    runsOf: async () => []
  }
}
