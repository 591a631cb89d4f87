/** Marks a branch the compiler proves unreachable; throws if it is reached anyway. */
export function assertNever(value: never, what: string): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`)
}
