/**
 * Whom a request of the reference host is charged to, and the rate headers it carries.
 */
import { Clock, Effect, Either, Option } from "effect"
import type { Principal } from "../domain/access.js"
import type { ServiceUnavailable } from "../domain/errors.js"
import { bearerToken } from "../http/request.js"
import { Authenticator } from "../ports/authenticator.js"
import { LapsingMap, MEMORY_CAPACITY } from "./lapsingMap.js"
import { type Quota, RequestLimiter } from "./rateLimiter.js"
import type { HostIncoming } from "./server.js"

interface Identified {
  /** Whom the request is charged to. */
  readonly key: string
  /** The authenticator could not answer: the request gets a 503. */
  readonly unavailable: Option.Option<ServiceUnavailable>
}

/**
 * The address a request is charged to: IPv4 as is (also when mapped into IPv6), IPv6 by
 * its /64 prefix, which one client usually holds whole and could otherwise walk through.
 */
export const addressKey = (remote: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1]
  if (mapped !== undefined || !remote.includes(":")) return `address:${mapped ?? remote}`
  const [head = "", tail = ""] = remote.split("::")
  const headGroups = head === "" ? [] : head.split(":")
  const tailGroups = tail === "" ? [] : tail.split(":")
  const groups = remote.includes("::")
    ? [...headGroups, ...Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => "0"), ...tailGroups]
    : headGroups
  return `address:${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`
}

/** The request charged to its client address, whatever its token. */
export const byAddress = (request: HostIncoming): Identified => ({
  key: addressKey(request.remoteAddress ?? "unknown"),
  unavailable: Option.none()
})

/** How long a valid token is remembered as valid, as long as the authenticator's cache. */
const RECENTLY_VALID_MILLIS = 30_000

/**
 * Whom a request is charged to: the authenticated user, per team of the path when the
 * user is a member of it (so a team's work does not spend the user's other teams'
 * quota); else the client address, for requests without a token or with one that is not
 * valid, so that spraying tokens spends the address's quota. Once the address is over
 * its limit, tokens from it are not looked up: failures stay cheap. Tokens found valid
 * lately still are, so callers sharing an address with a sprayer are not locked out.
 */
export const makeIdentify = () => {
  const recentlyValid = new LapsingMap<{ readonly principal: Principal; readonly untilMillis: number }>(
    MEMORY_CAPACITY,
    (entry, now) => entry.untilMillis <= now
  )
  const charged = (principal: Principal, teamParam: string | undefined): Identified => {
    const team = principal.teamIds.find((teamId) => String(teamId) === teamParam)
    return { key: `caller:${principal.userId}:${team ?? "-"}`, unavailable: Option.none() }
  }
  return (request: HostIncoming, teamParam: string | undefined) =>
    Effect.gen(function* () {
      const address = byAddress(request)
      const token = bearerToken(request.header("authorization"))
      if (token === undefined) return address
      const now = yield* Clock.currentTimeMillis
      const limiter = yield* RequestLimiter
      if (Option.isSome(yield* limiter.refusedLately(address.key))) {
        const known = recentlyValid.get(token, now)
        return known === undefined ? address : charged(known.principal, teamParam)
      }
      const found = yield* Effect.either(
        Effect.flatMap(Authenticator, (authenticator) => authenticator.authenticate(token))
      )
      if (Either.isLeft(found)) return { key: address.key, unavailable: Option.some(found.left) }
      return Option.match(found.right, {
        onNone: () => address,
        onSome: (principal) => {
          // Renewed once half its time has passed, not on every request: no write per request.
          const known = recentlyValid.get(token, now)
          if (known?.principal !== principal || known.untilMillis - now < RECENTLY_VALID_MILLIS / 2) {
            recentlyValid.set(token, { principal, untilMillis: now + RECENTLY_VALID_MILLIS }, now)
          }
          return charged(principal, teamParam)
        }
      })
    })
}

export const rateHeaders = (quota: Quota) => ({
  "x-ratelimit-limit": String(quota.limit),
  "x-ratelimit-remaining": String(quota.remaining),
  "x-ratelimit-reset": String(quota.resetSeconds)
})
