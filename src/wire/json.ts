/**
 * JSON that keeps int64 ids exact. `JSON.stringify` cannot write a `bigint` and
 * `JSON.parse` rounds integers beyond 2^53 − 1; these two do neither. Everything else is
 * read and written as the built-ins do.
 */

/**
 * Writes `value` as JSON; a `bigint` becomes its plain digits. Undefined members are left
 * out. With `indent`, nests members on lines of their own, as `JSON.stringify(v, null, n)`.
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

/**
 * Reads a JSON text like `JSON.parse`, except that an integer too large for a `number` to
 * hold exactly becomes a `bigint`. Throws `SyntaxError` on text that is not JSON.
 */
export const parseJson = (text: string): unknown => {
  const reader = new Reader(text)
  reader.skipWhitespace()
  const value = reader.readValue()
  reader.skipWhitespace()
  if (reader.position < text.length) reader.fail("Unexpected text after the JSON value")
  return value
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: raw control characters are what JSON strings may not contain
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
const WHITESPACE = /[ \t\n\r]*/y

class Reader {
  position = 0
  constructor(readonly text: string) {}

  fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.position}`)
  }

  skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position
    WHITESPACE.exec(this.text)
    this.position = WHITESPACE.lastIndex
  }

  expect(char: string): void {
    if (this.text[this.position] !== char) this.fail(`Expected '${char}'`)
    this.position += 1
  }

  readLiteral<A>(word: string, value: A): A {
    if (!this.text.startsWith(word, this.position)) this.fail("Unexpected token")
    this.position += word.length
    return value
  }

  readValue(): unknown {
    switch (this.text[this.position]) {
      case "{":
        return this.readObject()
      case "[":
        return this.readArray()
      case '"':
        return this.readString()
      case "t":
        return this.readLiteral("true", true)
      case "f":
        return this.readLiteral("false", false)
      case "n":
        return this.readLiteral("null", null)
      default:
        return this.readNumber()
    }
  }

  readString(): string {
    STRING.lastIndex = this.position
    const match = STRING.exec(this.text)
    if (match === null) this.fail("Invalid string")
    this.position = STRING.lastIndex
    return JSON.parse(match[0]) as string
  }

  readNumber(): number | bigint {
    NUMBER.lastIndex = this.position
    const match = NUMBER.exec(this.text)
    if (match === null) this.fail("Unexpected token")
    this.position = NUMBER.lastIndex
    const [token, fraction, exponent] = match
    const number = Number(token)
    return fraction === undefined && exponent === undefined && !Number.isSafeInteger(number) ? BigInt(token) : number
  }

  readArray(): Array<unknown> {
    const items: Array<unknown> = []
    this.expect("[")
    this.skipWhitespace()
    if (this.text[this.position] === "]") {
      this.position += 1
      return items
    }
    for (;;) {
      this.skipWhitespace()
      items.push(this.readValue())
      this.skipWhitespace()
      if (this.text[this.position] === "]") {
        this.position += 1
        return items
      }
      this.expect(",")
    }
  }

  readObject(): Record<string, unknown> {
    const object: Record<string, unknown> = {}
    this.expect("{")
    this.skipWhitespace()
    if (this.text[this.position] === "}") {
      this.position += 1
      return object
    }
    for (;;) {
      this.skipWhitespace()
      if (this.text[this.position] !== '"') this.fail("Expected a property name")
      const key = this.readString()
      this.skipWhitespace()
      this.expect(":")
      this.skipWhitespace()
      // A data property even for "__proto__", as JSON.parse defines it.
      Object.defineProperty(object, key, {
        value: this.readValue(),
        enumerable: true,
        writable: true,
        configurable: true
      })
      this.skipWhitespace()
      if (this.text[this.position] === "}") {
        this.position += 1
        return object
      }
      this.expect(",")
    }
  }
}
