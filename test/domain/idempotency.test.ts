import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { idempotencyKeyFromHeader, requestFingerprint } from "../../src/domain/idempotency.js"

const visible = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code))
const key = fc.array(visible, { minLength: 1, maxLength: 255 }).map((chars) => chars.join(""))
/** RFC 8941's sf-string of `text`: quoted, with `"` and `\` escaped. */
const quoted = (text: string) => `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`

describe("Idempotency-Key values", () => {
  it.prop("read the same key from its bare and its quoted form", [key], ([text]) => {
    expect(idempotencyKeyFromHeader(quoted(text))).toBe(text)
    if (!text.startsWith('"')) expect(idempotencyKeyFromHeader(text)).toBe(text)
  })

  it.prop(
    "refuse any value with a character that is not visible ASCII",
    [
      key,
      fc.integer({ min: 0, max: 255 }),
      fc.oneof(fc.integer({ min: 0, max: 0x20 }), fc.integer({ min: 0x7f, max: 0x2fff }))
    ],
    ([text, at, code]) => {
      const position = at % (text.length + 1)
      const spoiled = `${text.slice(0, position)}${String.fromCharCode(code)}${text.slice(position)}`
      // Outer white space is the field's, which HTTP trims; only what is inside counts.
      fc.pre(spoiled.trim() === spoiled)
      expect(idempotencyKeyFromHeader(spoiled)).toBeUndefined()
      expect(idempotencyKeyFromHeader(quoted(spoiled))).toBeUndefined()
    }
  )

  it("take the field's value without the white space around it, as HTTP does", () => {
    expect(idempotencyKeyFromHeader('  "a b"  ')).toBeUndefined()
    expect(idempotencyKeyFromHeader("\t key-1 ")).toBe("key-1")
    expect(idempotencyKeyFromHeader(' "key-2"')).toBe("key-2")
  })

  it("refuse keys of no or more than 255 characters, and malformed strings", () => {
    for (const value of ["", '""', "k".repeat(256), `"${"k".repeat(256)}"`, '"open', '"a"b', '"a\\nb"', '"a\\"']) {
      expect(idempotencyKeyFromHeader(value), value).toBeUndefined()
    }
    expect(idempotencyKeyFromHeader("k".repeat(255))).toBe("k".repeat(255))
  })
})

describe("request fingerprints", () => {
  it.prop(
    "ignore the order of a command's members and nothing else",
    [fc.dictionary(fc.string(), fc.jsonValue()), fc.string()],
    ([command, operation]) => {
      fc.pre(!("extra" in command))
      const reversed = Object.fromEntries(Object.entries(command).reverse())
      expect(requestFingerprint(operation, reversed)).toBe(requestFingerprint(operation, command))
      expect(requestFingerprint(`${operation}!`, command)).not.toBe(requestFingerprint(operation, command))
      expect(requestFingerprint(operation, { ...command, extra: 1 })).not.toBe(requestFingerprint(operation, command))
    }
  )

  it("write the operation and the command as canonical JSON: members sorted, none undefined, ids as digits", () => {
    expect(requestFingerprint("scheduleBackfill", { b: 1, a: [2, { d: "x", c: undefined }], e: null, t: 7n })).toBe(
      'scheduleBackfill {"a":[2,{"d":"x"}],"b":1,"e":null,"t":7}'
    )
    expect(requestFingerprint("cancelBackfill", {})).toBe("cancelBackfill {}")
  })

  it("keep the order of arrays", () => {
    expect(requestFingerprint("retryBackfill", { days: ["a", "b"] })).not.toBe(
      requestFingerprint("retryBackfill", { days: ["b", "a"] })
    )
  })
})
