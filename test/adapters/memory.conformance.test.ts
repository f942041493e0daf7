import { layerMemoryBackfillRepository } from "../../src/adapters/memory/backfillRepository.js"
import {
  backfillOutboxConformance,
  backfillRepositoryConformance,
  backfillStatisticsConformance,
  workerRepositoryConformance
} from "../../src/testing/conformance.js"

backfillRepositoryConformance("the in-memory repository", layerMemoryBackfillRepository())
workerRepositoryConformance("the in-memory repository", layerMemoryBackfillRepository())
backfillOutboxConformance("the in-memory repository", layerMemoryBackfillRepository())
backfillStatisticsConformance("the in-memory repository", layerMemoryBackfillRepository())
