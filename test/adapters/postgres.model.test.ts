import { afterAll } from "vitest"
import { freshRepository, openTestDatabase } from "../support/database.js"
import { lifecycleModel } from "../support/lifecycleModel.js"

const database = await openTestDatabase()
afterAll(() => database.close())

// Each sequence migrates a schema of its own and reads every ledger after every step: fewer, shorter sequences.
lifecycleModel(`the PostgreSQL repository (${database.kind})`, freshRepository(database), {
  numRuns: 60,
  maxLength: 60,
  timeout: 300_000
})
