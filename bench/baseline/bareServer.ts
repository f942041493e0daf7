/**
 * The floor for the HTTP benchmark: plain `node:http` answering every request with the
 * same JSON body, held in memory. Usage: `node --import tsx bench/baseline/bareServer.ts
 * <body-file>`; prints `listening on <url>`.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"

const body = readFileSync(process.argv[2] ?? "", "utf8")
const server = createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    response.end(body)
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}\n`)
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
