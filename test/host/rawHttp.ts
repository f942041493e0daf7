/**
 * Requests sent as written: `fetch` would normalise `..` and re-encode the path, which is
 * exactly what these tests must not let happen.
 */
import { request } from "node:http"
import { connect } from "node:net"

export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly text: string
}

export interface RawRequest {
  readonly method?: string
  /** The request target, byte for byte. */
  readonly path: string
  readonly token?: string
  readonly body?: string | Uint8Array
  readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
}

export const send = (baseUrl: string, options: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(baseUrl)
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path: options.path,
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          // Framed explicitly: Node's client sends a DELETE's or a GET's body unframed.
          ...(options.body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": String(Buffer.byteLength(options.body)) }),
          ...options.headers
        }
      },
      (incoming) => {
        const chunks: Array<Buffer> = []
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text: Buffer.concat(chunks).toString("utf8")
          })
        )
        incoming.on("error", reject)
      }
    )
    outgoing.on("error", reject)
    outgoing.end(options.body)
  })

/** Bytes straight onto a socket, for what no HTTP client would send; the whole answer back. */
export const sendBytes = (baseUrl: string, bytes: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const url = new URL(baseUrl)
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    socket.on("error", reject)
    socket.write(bytes)
  })

/** A response's body as the SPEC §5 envelope it must be. */
export const envelopeOf = (response: RawResponse) =>
  JSON.parse(response.text) as {
    readonly meta: { readonly request_id: string }
    readonly data?: unknown
    readonly error?: { readonly code: string; readonly message: string; readonly description?: string }
  }
