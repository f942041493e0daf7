import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import { BackfillId, TeamId } from "../../src/domain/ids.js"
import { RunState } from "../../src/domain/runs.js"
import { ALL_STATUSES } from "../../src/domain/status.js"
import { layerPageCursors, PageCursors } from "../../src/http/pageCursor.js"
import * as Arb from "../../src/testing/arbitraries.js"

const SECRET = "test-cursor-secret"
const cursors = layerPageCursors(SECRET)

const listingPosition = fc.record({
  teamId: Arb.teamId,
  statuses: fc.subarray([...ALL_STATUSES]),
  before: Arb.backfillId
})
const ledgerPosition = fc.record({
  teamId: Arb.teamId,
  backfillId: Arb.backfillId,
  states: fc.subarray([...RunState.literals]),
  before: Arb.calendarDate()
})

/** A cursor signed with `SECRET` over any payload, as only a holder of the secret could make it. */
const signed = (payloadJson: string) =>
  Effect.promise(async () => {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"]
    )
    const payload = new TextEncoder().encode(payloadJson)
    const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, payload))
    return `${Buffer.from(payload).toString("base64url")}.${Buffer.from(signature).toString("base64url")}`
  })

describe("page cursors", () => {
  it.effect.prop(
    "read back the position they were signed for, and only as their own listing's",
    [listingPosition, ledgerPosition],
    ([listing, ledger]) =>
      Effect.gen(function* () {
        const { encode, decode, encodeRuns, decodeRuns } = yield* PageCursors
        const listingCursor = yield* encode(listing)
        const ledgerCursor = yield* encodeRuns(ledger)
        expect(listingCursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
        expect(yield* decode(listingCursor)).toEqual(Option.some(listing))
        expect(yield* decodeRuns(ledgerCursor)).toEqual(Option.some(ledger))
        expect(yield* decodeRuns(listingCursor)).toEqual(Option.none())
        expect(yield* decode(ledgerCursor)).toEqual(Option.none())
      }).pipe(Effect.provide(cursors)),
    { fastCheck: { numRuns: 50 } }
  )

  it.effect("are read up to 512 characters, and no longer", () =>
    Effect.gen(function* () {
      const { decode } = yield* PageCursors
      // 351 payload bytes make 468 base64url characters, and with the dot and the signature's 43, 512.
      const payloadOf = (bytes: number) => {
        const json = '{"t":"1","s":["CREATED"],"b":"5"}'
        return `${json.slice(0, -1)}${" ".repeat(bytes - json.length)}}`
      }
      const longest = yield* signed(payloadOf(351))
      const tooLong = yield* signed(payloadOf(352))
      expect([longest.length, tooLong.length]).toEqual([512, 514])
      expect(yield* decode(longest)).toEqual(Option.some({ teamId: 1n, statuses: ["CREATED"], before: 5n }))
      expect(yield* decode(tooLong)).toEqual(Option.none())
    }).pipe(Effect.provide(cursors))
  )

  it.effect("are read only as issued: no padding, spaces, standard base64 or missing parts", () =>
    Effect.gen(function* () {
      const { encode, decode } = yield* PageCursors
      const issued = yield* encode({ teamId: TeamId.make(1n), statuses: ["CREATED"], before: BackfillId.make(5n) })
      const [payload = "", signature = ""] = issued.split(".")
      // Standard base64 writes this signature's `-` as `+`: the same bytes, in text this service never issues.
      expect(signature).toContain("-")
      const variants = [
        `${payload}.${signature}=`,
        `${payload}.${signature.slice(0, 20)} ${signature.slice(20)}`,
        `${payload}.${signature.replace(/-/g, "+").replace(/_/g, "/")}`,
        `${payload}.%%`,
        `%%.${signature}`,
        `${payload}.`,
        payload,
        "",
        "A.AAAA",
        `${issued}.${signature}`
      ]
      for (const variant of variants) expect([variant, yield* decode(variant)]).toEqual([variant, Option.none()])
      expect(yield* decode(issued)).toEqual(Option.some({ teamId: 1n, statuses: ["CREATED"], before: 5n }))
    }).pipe(Effect.provide(cursors))
  )
})
