import type { RunnerTestCase, RunnerTestFile } from "vitest"
import type { Reporter } from "vitest/reporters"

/**
 * For mutation runs only. StrykerJS's vitest runner scores a mutant by the tests it
 * collected, and a test file whose import throws collects none, so a mutant that stops a
 * module from loading would count as survived although every test of that file fails.
 * This reporter gives such a file one failed test carrying its load error.
 */
export class UnloadableFileAsFailedTest implements Reporter {
  onFinished(files: ReadonlyArray<RunnerTestFile> = []): void {
    for (const file of files) {
      if (file.result?.state !== "fail" || file.tasks.length > 0) continue
      const loadFailure = {
        type: "test",
        id: `${file.id}_load`,
        name: "loads",
        mode: "run",
        file,
        suite: undefined,
        meta: {},
        annotations: [],
        result: { state: "fail", errors: file.result.errors ?? [{ message: "The test file failed to load" }] }
      }
      // The task is only read after the run, by Stryker; vitest never runs it.
      file.tasks.push(loadFailure as unknown as RunnerTestCase)
    }
  }
}
