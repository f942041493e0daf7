/**
 * A Promise host's ports as the library's, one by one: async functions behind the
 * `Authenticator`, `TransferLookup` and `BackfillRepository` services, their answers
 * checked on the way in.
 */
import { Effect, Layer, Option, Schema } from "effect"
import { layerMemoryBackfillRepository } from "../adapters/memory/backfillRepository.js"
import { Authenticator } from "../ports/authenticator.js"
import { TransferLookup } from "../ports/transferLookup.js"
import type { PromisePorts } from "./options.js"
import { PrincipalFromPlain, TransferFromPlain } from "./plainPorts.js"
import { portCall } from "./repository.js"
import { layerPromiseBackfillRepository } from "./repositoryLayer.js"

/** `Authenticator` over a Promise function; what it answers is checked as a principal. */
export const layerAuthenticate = (authenticate: PromisePorts["authenticate"]) =>
  Layer.succeed(Authenticator, {
    authenticate: (token) =>
      Effect.flatMap(
        portCall(() => authenticate(token)),
        (found) =>
          Effect.transposeMapOption(Option.fromNullable(found), (principal) =>
            Effect.orDie(Schema.decodeUnknown(PrincipalFromPlain)(principal))
          )
      )
  })

/** `TransferLookup` over a Promise function; what it answers is checked as a transfer. */
export const layerFindTeamTransfer = (findTeamTransfer: PromisePorts["findTeamTransfer"]) =>
  Layer.succeed(TransferLookup, {
    findTeamTransfer: ({ teamId }, transferId) =>
      Effect.flatMap(
        portCall(() => findTeamTransfer(String(teamId), String(transferId))),
        (found) =>
          Effect.transposeMapOption(Option.fromNullable(found), (transfer) =>
            Effect.orDie(Schema.decodeUnknown(TransferFromPlain)(transfer))
          )
      )
  })

/** The host's Promise store, or the library's memory one when it gives none. */
export const layerRepositoryOrMemory = (repository: PromisePorts["repository"]) =>
  repository === undefined ? layerMemoryBackfillRepository() : layerPromiseBackfillRepository(repository)
