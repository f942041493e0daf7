/**
 * A JSON reader for tests that keeps int64 ids exact: `JSON.parse` rounds integers
 * beyond 2^53 − 1, this one reads them as `bigint`s, so tests can check the library's
 * answers digit for digit. (The library itself never needs to read its own answers.)
 */

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
