import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/**
 * The API token: `Authorization: Bearer TOKEN`, compared in constant time. Both sides are hashed first so the
 * comparison takes the same time whatever the length of the guess (timingSafeEqual needs equal lengths). The token
 * is kept only as its hash, so it cannot end up in a log by accident.
 */
export class TokenCheck {
  readonly #expected: Buffer

  constructor(token: string) {
    this.#expected = digest(token)
  }

  /** True when `given` is the token. Constant time in the content of both. */
  matches(given: string): boolean {
    return timingSafeEqual(digest(given), this.#expected)
  }

  /** The token from an `Authorization` header (`Bearer …`, case-insensitive scheme), or null. */
  static fromHeader(header: string | undefined): string | null {
    if (header === undefined) return null
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
    return match?.[1] ?? null
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** True for hosts that only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h)
  return false
}

/** The host names a loopback-bound server answers to (anything else in `Host` is a DNS-rebinding attempt). */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/** The host name of a `Host` header (`example.com:7420` → `example.com`, `[::1]:80` → `[::1]`), lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  return colon === -1 ? h : h.slice(0, colon)
}

/**
 * Why a request must be refused as cross-site, or null. A browser page of another site can send a "simple" POST
 * (a form, `text/plain`) to a server on this machine without asking; the browser marks it with `Origin` and
 * `Sec-Fetch-Site`, so a state-changing request from another origin is refused whatever its content type.
 */
export function crossSiteProblem(request: {
  method: string
  host: string | undefined
  origin: string | undefined
  fetchSite: string | undefined
}): string | null {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return null
  if (request.fetchSite === 'cross-site' || request.fetchSite === 'same-site') {
    return 'Refusing a request that a page of another site sent (Sec-Fetch-Site).'
  }
  if (request.origin === undefined) return null // not a browser (curl, a program)
  let originHost: string | null = null
  try {
    originHost = request.origin === 'null' ? null : new URL(request.origin).host.toLowerCase()
  } catch {
    originHost = null
  }
  if (originHost !== null && originHost === (request.host ?? '').trim().toLowerCase()) return null
  return `Refusing a request from origin ${request.origin}: only pages of this server may change things.`
}

/** Refuses a binding that others can reach without a token. Returns the message, or null when it is fine. */
export function bindingProblem(host: string, token: string | undefined): string | null {
  if (isLoopbackHost(host)) return null
  if (token !== undefined && token.length > 0) {
    return token.length < 16
      ? 'The token is too short: use at least 16 characters (for example `openssl rand -hex 32`).'
      : null
  }
  return (
    `Refusing to listen on ${host} without a token: anyone who can reach it could start and cancel executions. ` +
    'Give one with --token or TRELLIS_TOKEN (for example `TRELLIS_TOKEN=$(openssl rand -hex 32)`), ' +
    'or listen on 127.0.0.1 (the default).'
  )
}
