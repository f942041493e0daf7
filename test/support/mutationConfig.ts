import { defineConfig } from "vitest/config"
import { packageAliases } from "../../vitest.config.js"
import { UnloadableFileAsFailedTest } from "./unloadableFileAsFailedTest.js"

/**
 * The vitest configuration of a StrykerJS run: the tests `include` names (less those
 * `exclude` names) run against each mutant, with the package's aliases and a test file
 * that cannot load counted as a failed test.
 */
export const mutationTestConfig = (include: ReadonlyArray<string>, exclude: ReadonlyArray<string> = []) =>
  defineConfig({
    resolve: { alias: packageAliases },
    test: {
      include: [...include],
      ...(exclude.length > 0 ? { exclude: [...exclude] } : {}),
      reporters: ["default", new UnloadableFileAsFailedTest()],
      // As in vitest.config.ts: the initial run of a loaded machine must not fail on time.
      testTimeout: 120_000,
      hookTimeout: 180_000
    }
  })
