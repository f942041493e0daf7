import { defineConfig } from "vitest/config"

export default defineConfig({ test: { include: ["out/conformance.check.js"], testTimeout: 120_000 } })
