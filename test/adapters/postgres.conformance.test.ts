import { afterAll } from "vitest"
import {
  backfillOutboxConformance,
  backfillRepositoryConformance,
  backfillStatisticsConformance,
  workerRepositoryConformance
} from "../../src/testing/conformance.js"
import { freshRepository, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

backfillRepositoryConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))
workerRepositoryConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))
backfillOutboxConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))
backfillStatisticsConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))

// Every optimistic race settled by the locking transaction at once.
workerRepositoryConformance(
  `the PostgreSQL repository (${database.kind}) with outcomes decided under lock after one race`,
  freshRepository(database, { optimisticAttempts: 1 })
)
backfillOutboxConformance(
  `the PostgreSQL repository (${database.kind}) with outcomes decided under lock after one race`,
  freshRepository(database, { optimisticAttempts: 1 })
)
