import { readFileSync } from "node:fs"
import { defineConfig } from "vitest/config"

/**
 * The package's entries by name, resolved to their sources (as tsconfig.json's `paths`
 * does for the type checker), so the examples and tests import the package as users do.
 */
const exports = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")).exports as Record<
  string,
  { default: string } | string
>
export const packageAliases = Object.entries(exports)
  .filter((entry): entry is [string, { default: string }] => typeof entry[1] !== "string")
  .map(([entry, target]) => ({
    find: new RegExp(`^transfer-backfills${entry.slice(1).replace(/\//g, "\\/")}$`),
    replacement: new URL(target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"), import.meta.url)
      .pathname
  }))

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ["test/**/*.test.ts"],
    // Sized for a loaded machine (two busy cores, CI beside other work): no test depends
    // on being fast, only on finishing; vitest's defaults of 5 s and 10 s are not that.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    coverage: { provider: "v8", include: ["src/**/*.ts"] }
  }
})
