import { afterAll } from "vitest"
import { backfillRepositoryConformance } from "../../src/testing/conformance.js"
import { freshRepository, openTestDatabase } from "../support/database.js"

const database = await openTestDatabase()
afterAll(() => database.close())

backfillRepositoryConformance(`the PostgreSQL repository (${database.kind})`, freshRepository(database))
