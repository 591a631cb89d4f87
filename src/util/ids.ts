import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/** A new execution id: `exec_` + 20 random base-36 characters (about 103 bits). */
export function newExecutionId(): string {
  return `exec_${randomText(20)}`
}

/** Random base-36 text of the given length, for ids. */
export function randomText(length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += ALPHABET[byte % 36]
  return out
}

/** What a user-chosen execution id may look like (cli.md: `[A-Za-z0-9_.:-]`, at most 128 characters). */
export const EXECUTION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/
