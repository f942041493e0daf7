/**
 * The memory store's idempotency keys: each key's first request and the answer it got,
 * kept until the key expires, and forgotten in the order keys expire.
 */
import { Either } from "effect"
import type { WriteAccess } from "../../domain/access.js"
import type { Backfill } from "../../domain/backfill.js"
import { IdempotencyKeyReused, type IdempotentRequest } from "../../domain/idempotency.js"

/** A key as the store files it: one namespace per team and user. */
const keyId = ({ teamId, principal }: WriteAccess, key: string) => `${teamId}/${principal.userId}/${key}`

interface StoredKey {
  readonly fingerprint: string
  readonly backfill: Backfill
  readonly expiresAt: number
}

/** A keyed change's answer, and whether it came from the key rather than the change. */
export interface KeyedAnswer {
  readonly backfill: Backfill
  readonly replayed: boolean
}

/** Keys of one store; each method is a synchronous step of the store's. */
export class MemoryKeys {
  private readonly byId = new Map<string, StoredKey>()
  private readonly byAge: Array<{ readonly id: string; readonly expiresAt: number }> = []

  /**
   * A keyed change: the answer of the key's first request when it has not expired (or
   * `IdempotencyKeyReused` when that request was another), else `change`, whose answer is
   * then stored under the key.
   */
  keyed<E>(
    access: WriteAccess,
    idempotency: IdempotentRequest,
    change: () => Either.Either<Backfill, E>
  ): Either.Either<KeyedAnswer, E | IdempotencyKeyReused> {
    this.forgetExpired(idempotency.now)
    const id = keyId(access, idempotency.key)
    const stored = this.byId.get(id)
    if (stored !== undefined && stored.expiresAt > idempotency.now) {
      return stored.fingerprint === idempotency.fingerprint
        ? Either.right({ backfill: stored.backfill, replayed: true })
        : Either.left(new IdempotencyKeyReused())
    }
    return Either.map(change(), (backfill) => {
      this.byId.set(id, { fingerprint: idempotency.fingerprint, backfill, expiresAt: idempotency.expiresAt })
      this.byAge.push({ id, expiresAt: idempotency.expiresAt })
      return { backfill, replayed: false }
    })
  }

  private forgetExpired(now: number): void {
    let expired = 0
    for (const entry of this.byAge) {
      if (entry.expiresAt > now) break
      if (this.byId.get(entry.id)?.expiresAt === entry.expiresAt) this.byId.delete(entry.id)
      expired += 1
    }
    if (expired > 0) this.byAge.splice(0, expired)
  }
}
