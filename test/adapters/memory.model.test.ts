import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { lifecycleModel } from "../support/lifecycleModel.js"

lifecycleModel("the in-memory repository", layerMemoryBackfillRepository(), {
  numRuns: 500,
  maxLength: 80,
  timeout: 180_000
})
