/** The conformance suites of the packed package, run by the consumer's own vitest on the memory store. */
import { layerMemoryBackfillRepository } from "transfer-backfills/memory"
import {
  backfillRepositoryConformance,
  backfillStatisticsConformance,
  workerRepositoryConformance
} from "transfer-backfills/testing/conformance"

backfillRepositoryConformance("the packed memory store", layerMemoryBackfillRepository())
workerRepositoryConformance("the packed memory store", layerMemoryBackfillRepository())
backfillStatisticsConformance("the packed memory store", layerMemoryBackfillRepository())
