/**
 * Status sets in SQL, written from the domain's constants (`domain/status.ts`), so that
 * no query spells a status list of its own. Migrations keep the literals they were
 * applied with; a test pins those to the same constants.
 */
import type { BackfillStatus } from "../../domain/status.js"

/**
 * `('A', 'B')`: a list for `status IN …`. Statuses are fixed identifiers, never input.
 *
 * @since 0.1.0
 * @category utils
 */
export const sqlStatusList = (statuses: ReadonlyArray<BackfillStatus>): string =>
  `(${statuses.map((status) => `'${status}'`).join(", ")})`
