/**
 * JSON that keeps int64 ids exact. `JSON.stringify` cannot write a `bigint`; this writer
 * prints one as its plain digits. It writes the values the library's envelopes hold
 * (objects, arrays, strings, numbers, booleans, `null`) as the built-in does; it calls no
 * `toJSON`, since no envelope holds a `Date` or a class instance.
 */

/**
 * Writes `value` as JSON; a `bigint` becomes its plain digits, so int64 ids stay exact where
 * `JSON.stringify` would throw. Undefined members are left out. With `indent`, nests members
 * on lines of their own, as `JSON.stringify(v, null, n)`.
 *
 * @example
 * ```ts
 * import { stringifyJson } from "transfer-backfills"
 *
 * stringifyJson({ id: 9223372036854775807n, status: "RUNNING" }) // '{"id":9223372036854775807,"status":"RUNNING"}'
 * ```
 *
 * @since 0.1.0
 * @category json
 */
export const stringifyJson = (value: unknown, indent = 0): string => {
  const text = write(value, " ".repeat(indent), "\n")
  if (text === undefined) throw new TypeError("A JSON document cannot be undefined")
  return text
}

const write = (value: unknown, step: string, lineBreak: string): string | undefined => {
  switch (typeof value) {
    case "bigint":
      return value.toString()
    case "object":
      if (value === null) return "null"
      return Array.isArray(value)
        ? writeArray(value, step, lineBreak)
        : writeObject(value as Record<string, unknown>, step, lineBreak)
    case "undefined":
    case "function":
    case "symbol":
      return undefined
    default:
      return JSON.stringify(value)
  }
}

const enclose = (open: string, members: ReadonlyArray<string>, close: string, step: string, lineBreak: string) => {
  if (members.length === 0) return `${open}${close}`
  if (step === "") return `${open}${members.join(",")}${close}`
  const inner = `${lineBreak}${step}`
  return `${open}${inner}${members.join(`,${inner}`)}${lineBreak}${close}`
}

const writeArray = (items: ReadonlyArray<unknown>, step: string, lineBreak: string): string => {
  const nested = `${lineBreak}${step}`
  return enclose(
    "[",
    items.map((item) => write(item, step, nested) ?? "null"),
    "]",
    step,
    lineBreak
  )
}

const writeObject = (object: Record<string, unknown>, step: string, lineBreak: string): string => {
  const nested = `${lineBreak}${step}`
  const separator = step === "" ? ":" : ": "
  const members: Array<string> = []
  for (const [key, member] of Object.entries(object)) {
    const text = write(member, step, nested)
    if (text !== undefined) members.push(`${JSON.stringify(key)}${separator}${text}`)
  }
  return enclose("{", members, "}", step, lineBreak)
}
