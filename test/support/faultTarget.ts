/**
 * A PostgreSQL to break on purpose: the server in `DATABASE_URL`, or else a PGlite of its
 * own, with a TCP proxy in front of it for the clients under test. PGlite is one session:
 * it serves one connection at a time (two would mix their statements), so there every
 * client of a test must be one and the same.
 */
import { PGlite } from "@electric-sql/pglite"
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { startTcpProxy, type TcpProxy } from "./tcpProxy.js"

export interface FaultTarget {
  readonly kind: "server" | "pglite"
  /** Straight to the database: for setting up and checking. */
  readonly directUrl: string
  /** Through the proxy: for the clients under test. */
  readonly proxiedUrl: string
  readonly proxy: TcpProxy
  readonly close: () => Promise<void>
}

const withAddress = (url: string, address: string) => {
  const parsed = new URL(url)
  parsed.host = address
  return parsed.toString()
}

export const openFaultTarget = async (): Promise<FaultTarget> => {
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl !== undefined && serverUrl !== "") {
    const parsed = new URL(serverUrl)
    const proxy = await startTcpProxy(parsed.hostname, Number(parsed.port || 5432))
    return {
      kind: "server",
      directUrl: serverUrl,
      proxiedUrl: withAddress(serverUrl, proxy.address),
      proxy,
      close: () => proxy.close()
    }
  }
  const db = await PGlite.create({ extensions: { btree_gist } })
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" })
  await server.start()
  const [host, port] = server.getServerConn().split(":")
  const proxy = await startTcpProxy(host ?? "127.0.0.1", Number(port))
  const directUrl = `postgres://postgres@${server.getServerConn()}/postgres`
  return {
    kind: "pglite",
    directUrl,
    proxiedUrl: withAddress(directUrl, proxy.address),
    proxy,
    close: async () => {
      await proxy.close()
      await server.stop()
      await db.close()
    }
  }
}
