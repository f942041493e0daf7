// A CommonJS consumer: Node 20.19 and later load ES modules with require().
const { TeamId } = require("transfer-backfills")
const { layerMemoryBackfillRepository } = require("transfer-backfills/memory")
const { version } = require("transfer-backfills/package.json")
console.log(`require ${String(TeamId.make(1n))} ${typeof layerMemoryBackfillRepository} ${version}`)
