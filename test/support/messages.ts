import { Either, ParseResult, Schema } from "effect"

/** The message a schema gives for `input`, or undefined when it decodes. */
export const decodeMessage = <A, I>(schema: Schema.Schema<A, I>, input: unknown): string | undefined =>
  Either.match(Schema.decodeUnknownEither(schema)(input), {
    onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
    onRight: () => undefined
  })
