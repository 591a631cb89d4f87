import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, onTestFailed } from 'vitest'
import { type Browser, CHROMIUM } from './chromium.js'

export { type Browser, CHROMIUM, openBrowser } from './chromium.js'

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
