import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const root = new URL("../../", import.meta.url)
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  type: string
  exports: Record<string, { types: string; default: string } | string>
  dependencies: Record<string, string>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional: boolean }>
  scripts: Record<string, string>
}

const ENTRIES = [
  ".",
  "./memory",
  "./postgres",
  "./promise",
  "./promise/postgres",
  "./http-api",
  "./handlers",
  "./testing/arbitraries",
  "./testing/conformance",
  "./webhooks",
  "./nats"
]

/** The build maps src/X.ts to dist/X.js (tsconfig.build.json). */
const sourceOf = (built: string) => built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")

describe("the package", () => {
  it("is ESM only, with its entries and its package.json", () => {
    expect(pkg.type).toBe("module")
    expect(Object.keys(pkg.exports)).toEqual([...ENTRIES, "./package.json"])
    expect(pkg.exports["./package.json"]).toBe("./package.json")
  })

  it("points every entry at a module the build produces, with its types beside it, for import and require alike", () => {
    for (const name of ENTRIES) {
      const entry = pkg.exports[name] as { types: string; default: string }
      expect(Object.keys(entry)).toEqual(["types", "default"])
      expect(existsSync(new URL(sourceOf(entry.default), root))).toBe(true)
      expect(entry.types).toBe(entry.default.replace(/\.js$/, ".d.ts"))
    }
  })

  it("takes effect 3 as a peer, so a host and the library share one copy, and the rest as optional peers", () => {
    expect(pkg.peerDependencies).toMatchObject({ effect: expect.stringMatching(/^\^3\.22\./) })
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      "@effect/platform",
      "@effect/sql",
      "@effect/sql-pg",
      "@effect/vitest",
      "@nats-io/jetstream",
      "effect",
      "pg",
      "vitest"
    ])
    expect(Object.keys(pkg.peerDependenciesMeta).sort()).toEqual(
      Object.keys(pkg.peerDependencies)
        .filter((name) => name !== "effect")
        .sort()
    )
    expect(Object.values(pkg.peerDependenciesMeta).every((meta) => meta.optional)).toBe(true)
  })

  it("depends at run time on temporal-polyfill only, and runs nothing on a consumer's install", () => {
    expect(Object.keys(pkg.dependencies)).toEqual(["temporal-polyfill"])
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(pkg.scripts[hook]).toBeUndefined()
  })

  it("keeps the core free of web frameworks and database drivers", async () => {
    const core = readFileSync(new URL("src/index.ts", root), "utf8")
    expect(core).not.toMatch(/adapters\/postgres|adapters\/memory|testing\/|host\/|promise|httpApi/)
    const { readdirSync } = await import("node:fs")
    const sources = readdirSync(new URL("src/", root), { recursive: true, encoding: "utf8" }).filter((file) =>
      file.endsWith(".ts")
    )
    for (const file of sources) {
      const text = readFileSync(new URL(`src/${file}`, root), "utf8")
      const imports = [...text.matchAll(/^(?:import|export)[^\n]*from "([^".][^"]*)"/gm)].map((match) => match[1])
      // The conformance entry may use the test framework it serves, the PostgreSQL entry its client
      // (and, to build one whose hung connections close and whose statements are named, the
      // driver and Node's sockets).
      // The HttpApi entry may use @effect/platform, whose definition it is; the handlers
      // name Node's request and response types (types only: nothing of node:http runs). The reference
      // host, outside the package's entries, is an application and may use anything.
      if (file.startsWith("host/")) continue
      const allowed = file.startsWith("testing/conformance")
        ? ["effect", "temporal-polyfill", "@effect/vitest"]
        : file.startsWith("adapters/postgres/")
          ? ["effect", "temporal-polyfill", "@effect/sql", "@effect/sql-pg", "pg", "node:net"]
          : file.startsWith("adapters/webhooks/")
            ? ["effect", "temporal-polyfill", "node:crypto"]
            : file.startsWith("adapters/nats/")
              ? ["effect", "temporal-polyfill", "@nats-io/jetstream"]
              : file.startsWith("httpApi/")
                ? ["effect", "@effect/platform"]
                : file.startsWith("handlers/")
                  ? ["effect", "node:http"]
                  : ["effect", "temporal-polyfill"]
      // A module of effect's own (`effect/Schedule`) is effect.
      for (const specifier of imports)
        expect(allowed, `${file}: ${specifier}`).toContain(specifier?.startsWith("effect/") ? "effect" : specifier)
    }
  })
})
