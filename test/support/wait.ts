/**
 * Resolves once `check()` is true, asking every `intervalMs` on the real clock; rejects after `timeoutMs`. Only for
 * what really happens on the wall clock (another process, a real poll such as SQLite's `data_version` check);
 * everything else runs on a FakeClock.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const { what, timeoutMs = 2_000, intervalMs = 5 } = options
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await realSleep(intervalMs)
  }
}

/** Sleeps on the real clock. Use only to let a real poll run (e.g. to show that something did NOT happen). */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
