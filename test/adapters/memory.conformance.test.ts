import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { backfillRepositoryConformance } from "../../src/testing/conformance.js"

backfillRepositoryConformance("the in-memory repository", layerMemoryBackfillRepository())
