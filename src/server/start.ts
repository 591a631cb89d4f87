import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { InvalidOptionError } from '../util/index.js'
import { createApp, type AppOptions, type TrellisApp } from './app.js'
import { bindingProblem, isLoopbackHost, LOOPBACK_NAMES } from './auth.js'

/** What {@link startServer} needs: the app's options plus where to listen. */
export interface ServerOptions extends AppOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number
  /** @default '127.0.0.1' */
  readonly host?: string
}

/** A listening server. */
export interface RunningServer {
  readonly app: TrellisApp
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  readonly port: number
  readonly host: string
  /** Ends the event streams, stops accepting connections and closes the open ones. */
  close(): Promise<void>
}

/** The default host: only this machine can reach it. */
export const DEFAULT_HOST = '127.0.0.1'

/**
 * Creates the app and listens. A host other than loopback needs a token.
 *
 * @throws InvalidOptionError for a host other than loopback without a token (or with one under 16 characters),
 *   and the listen error (`EADDRINUSE`, …) when the port cannot be bound.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const problem = bindingProblem(host, options.token)
  if (problem !== null) throw new InvalidOptionError(options.token === undefined ? '--host' : '--token', problem)
  const app = createApp({
    ...options,
    allowedHosts:
      options.allowedHosts !== undefined ? options.allowedHosts : isLoopbackHost(host) ? LOOPBACK_NAMES : null,
  })
  let server: ServerType | undefined
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s))
      s.once('error', reject)
    })
  } catch (error) {
    app.close()
    throw error
  }
  const listening = server
  const address = listening.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  let closing: Promise<void> | null = null
  return {
    app,
    url: `http://${shown}:${address.port}`,
    port: address.port,
    host,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        app.close() // ends SSE streams, so their connections can close
        listening.close(() => resolve())
        const http = listening as { closeIdleConnections?: () => void; closeAllConnections?: () => void }
        http.closeIdleConnections?.()
        // Whatever is still open after a moment (a slow client) is cut.
        setTimeout(() => http.closeAllConnections?.(), 1_000).unref()
      })),
  }
}
