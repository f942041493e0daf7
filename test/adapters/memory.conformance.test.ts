import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import { backfillRepositoryConformance, workerRepositoryConformance } from "../../src/testing/conformance.js"

backfillRepositoryConformance("the in-memory repository", layerMemoryBackfillRepository())
workerRepositoryConformance("the in-memory repository", layerMemoryBackfillRepository())
