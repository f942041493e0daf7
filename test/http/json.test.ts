import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { stringifyJson } from "../../src/http/json.js"
import { parseJson } from "../support/losslessJson.js"

const outcome = (parse: () => unknown): { value: unknown } | { error: string } => {
  try {
    return { value: parse() }
  } catch (error) {
    return { error: (error as Error).name }
  }
}

describe("lossless JSON", () => {
  it.prop(
    "reads every JSON text as JSON.parse does, but for integers beyond 2^53 which become exact bigints",
    [fc.json({ noUnicodeString: false })],
    ([text]) => {
      const bigints: Array<bigint> = []
      const asNumbers = (value: unknown): unknown => {
        if (typeof value === "bigint") {
          bigints.push(value)
          return Number(value)
        }
        if (Array.isArray(value)) return value.map(asNumbers)
        if (typeof value === "object" && value !== null) {
          return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, asNumbers(member)]))
        }
        return value
      }
      expect(asNumbers(parseJson(text))).toStrictEqual(JSON.parse(text))
      for (const value of bigints) {
        expect(Number.isSafeInteger(Number(value))).toBe(false)
        expect(text).toContain(value.toString())
      }
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "refuses exactly the texts JSON.parse refuses",
    [
      fc.oneof(
        fc.string(),
        fc.json().chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))),
        fc.constantFrom(
          "01",
          "1.",
          ".5",
          "-",
          "+1",
          "[1,]",
          '{"a":1,}',
          "tru",
          "nul",
          '"\\x"',
          '"\u0001"',
          "{'a':1}",
          "1 2",
          ""
        )
      )
    ],
    ([text]) => {
      const ours = outcome(() => parseJson(text))
      const builtIn = outcome(() => JSON.parse(text))
      expect("error" in ours).toBe("error" in builtIn)
      if ("error" in ours) expect(ours.error).toBe("SyntaxError")
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it("keeps integers beyond 2^53 exact as bigints, and leaves fractions to numbers", () => {
    expect(parseJson("9223372036854775807")).toBe(9223372036854775807n)
    expect(parseJson("[-9007199254740993, 9007199254740991]")).toEqual([-9007199254740993n, 9007199254740991])
    expect(parseJson('{"id": 12345678901234567890}')).toEqual({ id: 12345678901234567890n })
    expect(parseJson("9223372036854775807.5")).toBe(Number("9223372036854775807.5"))
    expect(parseJson("1e400")).toBe(Number.POSITIVE_INFINITY)
  })

  it("defines a __proto__ member as data, as JSON.parse does", () => {
    const value = parseJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(["__proto__"])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.prop(
    "writes plain JSON values as JSON.stringify does",
    [fc.jsonValue()],
    ([value]) => {
      expect(stringifyJson(value)).toBe(JSON.stringify(value))
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "indents as JSON.stringify does",
    [fc.jsonValue(), fc.integer({ min: 0, max: 4 })],
    ([value, indent]) => {
      expect(stringifyJson(value, indent)).toBe(JSON.stringify(value, null, indent))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("writes bigints as plain digits and reads them back", () => {
    const value = { id: 9223372036854775807n, ids: [1n, -5n], nested: { max: 2n ** 63n - 1n } }
    const text = stringifyJson(value)
    expect(text).toBe('{"id":9223372036854775807,"ids":[1,-5],"nested":{"max":9223372036854775807}}')
    expect(parseJson(text)).toEqual({ id: 9223372036854775807n, ids: [1, -5], nested: { max: 9223372036854775807n } })
  })

  it("leaves out undefined members and writes undefined array items as null, like JSON.stringify", () => {
    expect(stringifyJson({ a: undefined, b: 1, c: () => 1 })).toBe('{"b":1}')
    expect(stringifyJson([undefined, 1])).toBe("[null,1]")
    expect(() => stringifyJson(undefined)).toThrow(TypeError)
  })
})
