/**
 * The floor of `npm start`: the same embedded database with the same extension, served
 * on a loopback port as the host serves it, and an HTTP port open. Nothing else: no
 * library, no migrations, no demo data. Prints the line the start benchmark waits for.
 */
import { createServer } from "node:http"
import { PGlite } from "@electric-sql/pglite"
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"

const db = await PGlite.create({ extensions: { btree_gist } })
const socket = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" })
await socket.start()
const server = createServer((_, response) => response.end("{}"))
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`floor listening on http://127.0.0.1:${server.address().port}`)
})
