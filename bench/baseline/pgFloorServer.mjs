/**
 * The floor for the host benchmark: plain `node:http` doing the same database work as the
 * host, through the driver the host uses (`pg`) with the host's pool size, and nothing
 * else: `GET /teams/…/backfills/{id}` reads the row by primary key, `POST …/backfills`
 * reads the JSON body and inserts one row. No authentication, no validation, no envelope
 * beyond `{"data": row}`. Usage: `node bench/baseline/pgFloorServer.mjs <url> <schema>
 * <pool size>`; prints `listening on <url>`.
 */
import { createServer } from "node:http"
import pg from "pg"

const [url, schema, poolSize] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: Number(poolSize) })
const table = `"${schema}".backfills`
/** The floor's rows go to a transfer of their own, so they never overlap the host's. */
const FLOOR_TRANSFER = "999999"

const answer = (response, status, row) => {
  const body = JSON.stringify({ data: row })
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  response.end(body)
}

const failed = (response) => (error) => {
  response.writeHead(500)
  response.end(String(error))
}

const server = createServer((request, response) => {
  const chunks = []
  request.on("data", (chunk) => chunks.push(chunk))
  request.on("end", () => {
    if (request.method === "GET") {
      const id = request.url?.split("/")[4] ?? ""
      pool
        .query(`SELECT * FROM ${table} WHERE id = $1`, [id])
        .then((result) => answer(response, 200, result.rows[0]))
        .catch(failed(response))
      return
    }
    const { range_start: start, range_end: end } = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    pool
      .query(
        `INSERT INTO ${table} (team_id, transfer_id, range_start, range_end, created_time, created_user_id, status, runs_total)
         VALUES ('1', $1, $2::date, $3::date, now(), '789', 'CREATED', 1) RETURNING *`,
        [FLOOR_TRANSFER, start, end]
      )
      .then((result) => answer(response, 201, result.rows[0]))
      .catch(failed(response))
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))))
