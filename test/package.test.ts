import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const root = new URL("../", import.meta.url)
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  type: string
  exports: Record<string, { types: string; import: string }>
  dependencies: Record<string, string>
}

/** The build maps src/X.ts to dist/X.js (tsconfig.build.json). */
const sourceOf = (built: string) => built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")

describe("the package", () => {
  it("is ESM with the entries `.`, `./testing`, `./memory`, `./postgres` and `./promise`", () => {
    expect(pkg.type).toBe("module")
    expect(Object.keys(pkg.exports)).toEqual([".", "./testing", "./memory", "./postgres", "./promise"])
  })

  it("points every entry at a module the build produces, with its types beside it", () => {
    for (const entry of Object.values(pkg.exports)) {
      expect(existsSync(new URL(sourceOf(entry.import), root))).toBe(true)
      expect(entry.types).toBe(entry.import.replace(/\.js$/, ".d.ts"))
    }
  })

  it("declares the SQL client and the test framework as optional peers", () => {
    const { peerDependencies, peerDependenciesMeta } = pkg as unknown as {
      peerDependencies: Record<string, string>
      peerDependenciesMeta: Record<string, { optional: boolean }>
    }
    expect(Object.keys(peerDependencies).sort()).toEqual(["@effect/sql", "@effect/sql-pg", "@effect/vitest", "vitest"])
    expect(Object.values(peerDependenciesMeta).every((meta) => meta.optional)).toBe(true)
  })

  it("depends at run time on effect 3 and temporal-polyfill only, never on @effect/schema", () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["effect", "temporal-polyfill"])
    expect(pkg.dependencies.effect).toMatch(/^\^3\./)
  })

  it("keeps the core free of web frameworks and database drivers", async () => {
    const core = readFileSync(new URL("src/index.ts", root), "utf8")
    expect(core).not.toMatch(/adapters\/postgres|adapters\/memory|testing\/|host\/|promise/)
    const { readdirSync } = await import("node:fs")
    const sources = readdirSync(new URL("src/", root), { recursive: true, encoding: "utf8" }).filter((file) =>
      file.endsWith(".ts")
    )
    for (const file of sources) {
      const text = readFileSync(new URL(`src/${file}`, root), "utf8")
      const imports = [...text.matchAll(/^(?:import|export)[^\n]*from "([^".][^"]*)"/gm)].map((match) => match[1])
      // The testing entry may use the test framework it serves, the PostgreSQL entry its client
      // (and, to build one whose hung connections close, the driver and Node's sockets).
      // The reference host, outside the package's entries, is an application and may use anything.
      if (file.startsWith("host/")) continue
      const allowed = file.startsWith("testing/")
        ? ["effect", "temporal-polyfill", "@effect/vitest"]
        : file.startsWith("adapters/postgres/")
          ? ["effect", "temporal-polyfill", "@effect/sql", "@effect/sql-pg", "node:net"]
          : ["effect", "temporal-polyfill"]
      for (const specifier of imports) expect(allowed, `${file}: ${specifier}`).toContain(specifier)
    }
  })
})
