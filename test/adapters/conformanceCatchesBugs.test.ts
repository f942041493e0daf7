/**
 * The conformance kit is only worth what it catches: each of the repositories of
 * test/support/mutants.ts has one bug planted in the in-memory store, and for every one of
 * them some test of the kit must fail, while the unchanged store passes them all.
 */
import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { API_PARTS, WORKER_PARTS } from "../../src/testing/conformance/parts.js"
import type { Repositories } from "../../src/testing/conformance/steps.js"
import { layerMutant, MUTANTS } from "../support/mutants.js"

interface KitCase {
  readonly title: string
  readonly body: () => Effect.Effect<void, unknown, Repositories>
}

/**
 * Every test of both halves, collected as the kit registers them, and each run here on the
 * unchanged in-memory store, which must pass: the control without which a caught bug means nothing.
 */
const collected: Array<KitCase> = []
describe("the kit's tests on the unchanged in-memory store", () => {
  for (const part of [...API_PARTS, ...WORKER_PARTS]) {
    part((title, body) => {
      const kitCase = { title, body: body as KitCase["body"] }
      collected.push(kitCase)
      it(title, () => Effect.runPromise(Effect.provide(Effect.suspend(kitCase.body), layerMemoryBackfillRepository())))
    })
  }
})

/** The title of the first of the kit's tests that fails on the store `layer` builds (a fresh one per test). */
const firstFailingOn = async (layer: Layer.Layer<Repositories, unknown>) => {
  for (const kitCase of collected) {
    const outcome = await Effect.runPromiseExit(Effect.provide(Effect.suspend(kitCase.body), layer))
    if (outcome._tag === "Failure") return kitCase.title
  }
  return undefined
}

describe("the conformance kit", () => {
  it("has tests to run", () => {
    expect(collected.length).toBeGreaterThan(40)
  })

  it("has at least 15 distinct bugs to catch", () => {
    expect(new Set(MUTANTS.map(({ bug }) => bug)).size).toBeGreaterThanOrEqual(15)
  })

  it.each(MUTANTS.map((mutant) => [mutant.bug, mutant] as const))("fails a store where %s", async (_, mutant) => {
    expect(await firstFailingOn(layerMutant(mutant))).toBeDefined()
  })
})
