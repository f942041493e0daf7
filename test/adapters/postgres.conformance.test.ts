import { afterAll } from "vitest"
import { backfillRepositoryConformance } from "../../src/testing/conformance.js"
import { freshRepository, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

backfillRepositoryConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))

// Every optimistic race settled by the locking transaction at once.
backfillRepositoryConformance(
  `the PostgreSQL repository (${database.kind}) with outcomes decided under lock after one race`,
  freshRepository(database, { optimisticAttempts: 1 })
)
