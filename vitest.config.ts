import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Sized for a loaded machine (two busy cores, CI beside other work): no test depends
    // on being fast, only on finishing; vitest's defaults of 5 s and 10 s are not that.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    coverage: { provider: "v8", include: ["src/**/*.ts"] }
  }
})
