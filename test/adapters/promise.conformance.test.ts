import { layerPromiseBackfillRepository } from "transfer-backfills/promise"
import { backfillRepositoryConformance } from "transfer-backfills/testing/conformance"
import { makePlainPromiseStore } from "../support/plainPromiseStore.js"

backfillRepositoryConformance("a Promise repository", layerPromiseBackfillRepository(makePlainPromiseStore))
