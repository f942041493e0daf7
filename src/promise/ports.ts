/**
 * A Promise host's ports as the library's: async functions behind the `Authenticator`,
 * `TransferLookup` and `BackfillRepository` services, their answers checked on the way in.
 */
import { Effect, Layer, Option, Schema } from "effect"
import { layerMemoryBackfillRepository } from "../adapters/memory/backfillRepository.js"
import { Authenticator } from "../ports/authenticator.js"
import { TransferLookup } from "../ports/transferLookup.js"
import type { PromisePorts } from "./options.js"
import { PrincipalFromPlain, TransferFromPlain } from "./plain.js"
import { portCall } from "./repository.js"
import { layerPromiseBackfillRepository } from "./repositoryLayer.js"

export const layerPromisePorts = (ports: PromisePorts) =>
  Layer.mergeAll(
    Layer.succeed(Authenticator, {
      authenticate: (token) =>
        Effect.flatMap(
          portCall(() => ports.authenticate(token)),
          (found) =>
            Effect.transposeMapOption(Option.fromNullable(found), (principal) =>
              Effect.orDie(Schema.decodeUnknown(PrincipalFromPlain)(principal))
            )
        )
    }),
    Layer.succeed(TransferLookup, {
      findTeamTransfer: ({ teamId }, transferId) =>
        Effect.flatMap(
          portCall(() => ports.findTeamTransfer(String(teamId), String(transferId))),
          (found) =>
            Effect.transposeMapOption(Option.fromNullable(found), (transfer) =>
              Effect.orDie(Schema.decodeUnknown(TransferFromPlain)(transfer))
            )
        )
    }),
    ports.repository === undefined ? layerMemoryBackfillRepository() : layerPromiseBackfillRepository(ports.repository)
  )
