/**
 * Opaque, tamper-evident page cursors. A cursor says where the next page starts and for
 * which listing (team and statuses; for a ledger, also the backfill); it is signed with HMAC-SHA-256 under the host's
 * secret, so a caller can neither forge a position nor reuse a cursor on another listing.
 * Web Crypto keeps this free of any runtime-specific module.
 */
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { CalendarDate } from "../domain/calendarDate.js"
import { BackfillId, idFromPathParam, TeamId } from "../domain/ids.js"
import { RunState } from "../domain/runs.js"
import { BackfillStatus } from "../domain/status.js"

/**
 * Where the next page of a listing starts, and which listing it belongs to.
 *
 * @since 0.1.0
 * @category cursors
 */
export interface PagePosition {
  readonly teamId: TeamId
  readonly statuses: ReadonlyArray<BackfillStatus>
  readonly before: BackfillId
}

/**
 * Where the next page of a backfill's ledger (`GET …/backfills/{backfill_id}/runs`) starts,
 * and which ledger it belongs to.
 *
 * @since 0.2.0
 * @category cursors
 */
export interface RunPagePosition {
  readonly teamId: TeamId
  readonly backfillId: BackfillId
  readonly states: ReadonlyArray<RunState>
  /** The last day of the previous page; the next page has earlier days. */
  readonly before: CalendarDate
}

/**
 * The signed payloads: short keys, ids as decimal strings. Each kind has keys the other
 * lacks, so a cursor of one listing never reads as the other's.
 */
const CursorPayload = Schema.parseJson(
  Schema.Struct({ t: idFromPathParam(TeamId), s: Schema.Array(BackfillStatus), b: idFromPathParam(BackfillId) })
)
const RunCursorPayload = Schema.parseJson(
  Schema.Struct({
    t: idFromPathParam(TeamId),
    f: idFromPathParam(BackfillId),
    r: Schema.Array(RunState),
    d: CalendarDate
  })
)

/**
 * Signs and reads the listing's page cursors: opaque to a caller, and tamper-evident, so a
 * caller can neither forge a position nor reuse a cursor on another listing.
 * `layerPageCursors` provides it from the host's secret.
 *
 * @since 0.1.0
 * @category services
 */
export class PageCursors extends Context.Tag("transfer-backfills/PageCursors")<
  PageCursors,
  {
    /** The signed cursor of a position. */
    readonly encode: (position: PagePosition) => Effect.Effect<string>
    /** The position a cursor names, if this host signed it. */
    readonly decode: (cursor: string) => Effect.Effect<Option.Option<PagePosition>>
    /** The signed cursor of a position in a backfill's ledger. */
    readonly encodeRuns: (position: RunPagePosition) => Effect.Effect<string>
    /** The ledger position a cursor names, if this host signed it for a ledger. */
    readonly decodeRuns: (cursor: string) => Effect.Effect<Option.Option<RunPagePosition>>
  }
>() {}

const encodePayload = Schema.encodeSync(CursorPayload)
const decodePayload = Schema.decodeUnknownOption(CursorPayload)
const encodeRunPayload = Schema.encodeSync(RunCursorPayload)
const decodeRunPayload = Schema.decodeUnknownOption(RunCursorPayload)
const textEncoder = new TextEncoder()

const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")

const fromBase64Url = (text: string): Option.Option<Uint8Array> => {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return Option.none()
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"))
    return Option.some(Uint8Array.from(binary, (char) => char.charCodeAt(0)))
  } catch {
    return Option.none()
  }
}

const MAX_CURSOR_LENGTH = 512

/**
 * Cursors signed with `secret` (HMAC-SHA-256). Every API server of a deployment must share
 * the secret, or a cursor from one is refused by the next.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { layerPageCursors } from "transfer-backfills"
 * import { layerMemoryBackfillRepository } from "transfer-backfills/memory"
 *
 * // The same secret on every API server of the deployment
 * const cursors = layerPageCursors(Redacted.make(process.env.CURSOR_SECRET ?? ""))
 * const ports = Layer.merge(layerMemoryBackfillRepository(), cursors)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPageCursors = (secret: Redacted.Redacted<string> | string): Layer.Layer<PageCursors> =>
  Layer.effect(
    PageCursors,
    Effect.gen(function* () {
      const key = yield* Effect.promise(() =>
        crypto.subtle.importKey(
          "raw",
          textEncoder.encode(Redacted.isRedacted(secret) ? Redacted.value(secret) : secret),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign", "verify"]
        )
      )
      const sign = (payloadJson: string) =>
        Effect.promise(async () => {
          const payload = textEncoder.encode(payloadJson)
          const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, payload))
          return `${toBase64Url(payload)}.${toBase64Url(signature)}`
        })
      /** The payload's JSON, if the cursor is well formed and this key signed it. */
      const verify = (cursor: string) =>
        Effect.promise(async () => {
          const [payloadText, signatureText, ...rest] = cursor.split(".")
          if (cursor.length > MAX_CURSOR_LENGTH || rest.length > 0) return Option.none<string>()
          const payload = Option.getOrUndefined(fromBase64Url(payloadText ?? ""))
          const signature = Option.getOrUndefined(fromBase64Url(signatureText ?? ""))
          if (payload === undefined || signature === undefined) return Option.none<string>()
          if (!(await crypto.subtle.verify("HMAC", key, signature, payload))) return Option.none<string>()
          return Option.some(new TextDecoder().decode(payload))
        })
      return {
        encode: (position) => sign(encodePayload({ t: position.teamId, s: position.statuses, b: position.before })),
        decode: (cursor) =>
          Effect.map(verify(cursor), (json) =>
            Option.map(
              Option.flatMap(json, decodePayload),
              ({ t, s, b }): PagePosition => ({ teamId: t, statuses: s, before: b })
            )
          ),
        encodeRuns: (position) =>
          sign(
            encodeRunPayload({ t: position.teamId, f: position.backfillId, r: position.states, d: position.before })
          ),
        decodeRuns: (cursor) =>
          Effect.map(verify(cursor), (json) =>
            Option.map(
              Option.flatMap(json, decodeRunPayload),
              ({ t, f, r, d }): RunPagePosition => ({ teamId: t, backfillId: f, states: r, before: d })
            )
          )
      }
    })
  )
