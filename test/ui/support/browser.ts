import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { describe, onTestFailed } from 'vitest'

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it when absent. */
export const CHROMIUM = '/usr/bin/chromium'

/** Whether a missing browser must fail the suite (CI) instead of skipping it. */
const BROWSER_REQUIRED = process.env['CI'] === 'true'

/**
 * `describe` for suites that drive the browser: skipped, loudly, when Chromium is missing on a developer's
 * machine; under CI=true they run and fail saying what is missing.
 */
export const describeBrowser = existsSync(CHROMIUM) || BROWSER_REQUIRED ? describe : describe.skip
if (!existsSync(CHROMIUM) && !BROWSER_REQUIRED) {
  console.warn(`UI browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`)
}

/** Where the tests keep their screenshots (git-ignored). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts/ui')

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A headless Chromium with a fresh profile directory, removed on close. */
export interface Browser {
  readonly context: BrowserContext
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with apt-get install chromium (CI=true needs it).`)
  }
  const profile = mkdtempSync(join(tmpdir(), 'trellis-chromium-'))
  // A persistent context is how Playwright takes a --user-data-dir of our choosing: a fresh one per suite.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: 'UTC',
    locale: 'en-US',
  })
  context.setDefaultTimeout(10_000)
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot as test-artifacts/ui/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  // From the top, so the sticky header is where a reader expects it in the full-page image.
  await page.evaluate('window.scrollTo(0, 0)')
  await page.screenshot({ path, fullPage: true })
  return path
}

/**
 * A new page for the current test. When the test fails, the page's last state is saved as
 * test-artifacts/ui/failed-NAME.png and `describeFailure()` (the server's output) is printed.
 */
export async function pageForTest(browser: Browser, name: string, describeFailure: () => string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  onTestFailed(async () => {
    await screenshot(page, `failed-${name}`).catch(() => undefined)
    console.error(`page errors: ${errors.join('\n') || 'none'}\nserver output:\n${describeFailure()}`)
  })
  return page
}
