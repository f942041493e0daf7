/**
 * The conformance kit's parts, by port half: each registers its tests with the tester it
 * is given, so the suites and the project's own check of the kit run the same tests.
 */
import type { BackfillRepository } from "../../ports/backfillRepository.js"
import { cancelTests } from "./api/cancel.js"
import { idempotencyKeysTests } from "./api/idempotencyKeys.js"
import { insertsTests } from "./api/inserts.js"
import { readsTests } from "./api/reads.js"
import { retryBeforeRunsTests } from "./api/retryBeforeRuns.js"
import { teamsTests } from "./api/teams.js"
import { deliveryTests } from "./outbox/delivery.js"
import { eventsTests } from "./outbox/events.js"
import type { OutboxRepositories } from "./outbox/steps.js"
import { countsTests, type StatisticsRepositories } from "./statistics/counts.js"
import type { Repositories, Tester } from "./steps.js"
import { apiViewTests } from "./worker/apiView.js"
import { leasesTests } from "./worker/leases.js"
import { ledgerTests } from "./worker/ledger.js"
import { materialisingTests } from "./worker/materialising.js"
import { releasingOutcomesTests } from "./worker/releasingOutcomes.js"
import { runsAndOutcomesTests } from "./worker/runsAndOutcomes.js"
import { teamsWithRunsTests } from "./worker/teams.js"
import { turnsTests } from "./worker/turns.js"

export const API_PARTS: ReadonlyArray<(test: Tester<BackfillRepository>) => void> = [
  insertsTests,
  readsTests,
  cancelTests,
  retryBeforeRunsTests,
  idempotencyKeysTests,
  teamsTests
]

export const WORKER_PARTS: ReadonlyArray<(test: Tester<Repositories>) => void> = [
  apiViewTests,
  materialisingTests,
  leasesTests,
  runsAndOutcomesTests,
  releasingOutcomesTests,
  ledgerTests,
  teamsWithRunsTests,
  turnsTests
]

export const OUTBOX_PARTS: ReadonlyArray<(test: Tester<OutboxRepositories>) => void> = [eventsTests, deliveryTests]

export const STATISTICS_PARTS: ReadonlyArray<(test: Tester<StatisticsRepositories>) => void> = [countsTests]
