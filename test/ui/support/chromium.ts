import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

/**
 * Launching Debian's Chromium for the browser tests and the benchmark's UI workload (`bench/ui-pages.ts`): no
 * vitest here, so the benchmark can use it too.
 */

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it when absent. */
export const CHROMIUM = '/usr/bin/chromium'

/** Why the browser cannot be launched here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`
}

/** Headless, sandbox off (containers), and nothing that reaches out to the network on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const

/** A headless Chromium with a fresh profile directory, removed on close. */
export interface Browser {
  readonly context: BrowserContext
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function openBrowser(options: { readonly timeoutMs?: number } = {}): Promise<Browser> {
  const missing = chromiumMissing()
  if (missing !== null) throw new Error(`${missing}; CI=true needs it.`)
  const profile = mkdtempSync(join(tmpdir(), 'trellis-chromium-'))
  // A persistent context is how Playwright takes a --user-data-dir of our choosing: a fresh one per suite.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: 'UTC',
    locale: 'en-US',
  })
  context.setDefaultTimeout(options.timeoutMs ?? 10_000)
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
