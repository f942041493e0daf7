/**
 * The TypeScript the docs show, as files a consumer project can check and run: every
 * ```ts block of README.md and docs/*.md, with the packages it imports.
 */
import { readdirSync, readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { join } from "node:path"

export interface Snippet {
  /** Where it stands: the Markdown file and the block's first line. */
  readonly origin: string
  /** A file name for it in the consumer project. */
  readonly file: string
  readonly source: string
}

const BLOCK = /^```ts\n([\s\S]*?)^```$/gm

export const extractSnippets = (root: string): ReadonlyArray<Snippet> => {
  const documents = [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`)
  ]
  return documents.flatMap((document) => {
    const text = readFileSync(join(root, document), "utf8")
    return [...text.matchAll(BLOCK)].map((match, index) => {
      const line = text.slice(0, match.index).split("\n").length
      return {
        origin: `${document}:${line}`,
        file: `${document.replace(/\.md$/, "").replace(/\//g, "-")}-${index + 1}.ts`,
        source: match[1] ?? ""
      }
    })
  })
}

const SPECIFIER = /^\s*(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm

/** What a snippet imports, as written. */
export const specifiers = (source: string): ReadonlyArray<string> =>
  [...source.matchAll(SPECIFIER)].map((match) => match[1] ?? match[2] ?? "")

const BUILTINS = new Set(builtinModules)

/** The package a bare specifier names; `undefined` for Node's own modules and relative paths. */
export const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined
  if (BUILTINS.has(specifier)) return undefined
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}
