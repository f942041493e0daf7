// An Effect host in a dozen lines: the API on node:http with its own token check, memory ports.
import { createServer } from "node:http"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { GRANTS, layerPageCursors, layerTokenVerifier, TeamId, TransferId, UserId, UTC } from "transfer-backfills"
import { backfillRouter } from "transfer-backfills/http-api"
import { layerMemoryBackfillRepository, layerMemoryTransferLookup } from "transfer-backfills/memory"

const me = { userId: UserId.make(7n), teamIds: [TeamId.make(1n)], ...GRANTS.write }
const tokens = layerTokenVerifier((token) => (token === process.env.TOKEN ? me : undefined))
const transfers = layerMemoryTransferLookup([{ id: TransferId.make(456789n), teamId: TeamId.make(1n), timeZone: UTC }])
const cursors = layerPageCursors(process.env.SECRET ?? "")
const ports = Layer.mergeAll(tokens, transfers, layerMemoryBackfillRepository(), cursors)
const server = NodeHttpServer.layer(createServer, { port: Number(process.env.PORT) })
NodeRuntime.runMain(Layer.launch(HttpServer.serve(backfillRouter()).pipe(Layer.provide([ports, server]))))
