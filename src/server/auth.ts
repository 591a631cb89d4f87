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
