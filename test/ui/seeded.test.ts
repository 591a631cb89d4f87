import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ARTIFACTS, type Browser, describeBrowser, openBrowser, pageForTest, screenshot } from './support/browser.js'
import { BIG_EXECUTION, bigWorkflowSource, seedDatabase, SMALL_WORKFLOWS, smallWorkflowSource } from './support/seed.js'
import { type Server, startServer } from './support/server.js'

const EXECUTIONS = 5_000

/** How long each step of the seeded test took (ms), written to test-artifacts/ui/timings.json for the benchmark. */
const timings: Record<string, number> = {}
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now()
  try {
    return await work()
  } finally {
    timings[name] = Math.round(performance.now() - start)
  }
}

async function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId('execution-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''))
}

async function rowAttributes(page: Page, attribute: string): Promise<string[]> {
  return page
    .getByTestId('execution-row')
    .evaluateAll((rows, name) => rows.map((r) => r.getAttribute(name) ?? ''), attribute)
}

async function loadedCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('execution-list').getAttribute('data-count')) ?? '0')
}

describeBrowser('web UI with 5,000 executions and a 300-step workflow', () => {
  let dir: string
  let server: Server
  let browser: Browser

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-ui-seeded-'))
    const db = join(dir, 'seeded.db')
    browser = await openBrowser()
    await timed('seed (5,000 executions, 300-step run)', () => seedDatabase(db, EXECUTIONS))
    // The workflows are registered by `serve --workflow DIR`, the big one with its source for the workflow page.
    const workflows = join(dir, 'workflows')
    mkdirSync(workflows)
    writeFileSync(join(workflows, 'big.yaml'), bigWorkflowSource())
    for (const name of SMALL_WORKFLOWS) writeFileSync(join(workflows, `${name}.yaml`), smallWorkflowSource(name))
    server = await startServer(db, ['--workflow', workflows])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(ARTIFACTS, { recursive: true })
    writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`)
  })

  it('lists them: renders a screenful, loads more on scroll, filters, searches and opens one', async () => {
    const page = await pageForTest(browser, 'seeded-list', () => server.output())
    await timed('list: first rows', async () => {
      await page.goto(server.url)
      await page.getByTestId('execution-row').first().waitFor()
    })
    expect(await loadedCount(page)).toBe(200)
    // Virtualised: only the rows in view (and a few more) are in the page.
    const rendered = (await rowIds(page)).length
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(60)
    expect((await rowIds(page))[0]).toBe(BIG_EXECUTION)
    await screenshot(page, 'seeded-list')

    await timed('list: scroll to load 3 more pages', async () => {
      const list = page.getByTestId('execution-list')
      await list.hover()
      for (let pages = 2; pages <= 4; pages++) {
        await page.mouse.wheel(0, 200 * 44)
        await page.locator(`[data-testid="execution-list"][data-count="${pages * 200}"]`).waitFor()
      }
    })
    expect((await rowIds(page)).length).toBeLessThan(60)

    await timed('list: filter by status', async () => {
      await page.getByTestId('filter-status').selectOption('failed')
      await page.waitForURL(/status=failed/)
      await page.locator('[data-testid="execution-row"][data-status="failed"]').first().waitFor()
      await expect
        .poll(() => rowAttributes(page, 'data-status'))
        .toSatisfy((s: string[]) => s.every((x) => x === 'failed'))
    })
    await page.getByTestId('filter-workflow').selectOption('seed-beta')
    await page.waitForURL(/workflow=seed-beta/)
    await expect
      .poll(async () =>
        (await page.getByTestId('execution-row').allTextContents()).every((t) => t.includes('seed-beta')),
      )
      .toBe(true)
    await screenshot(page, 'seeded-list-filtered')

    // Search by id prefix, on the server: it finds the oldest executions (the list's last page) at once.
    await page.getByTestId('filter-status').selectOption('')
    await page.getByTestId('filter-workflow').selectOption('')
    await timed('list: search by id prefix (oldest page)', async () => {
      await page.getByTestId('search').fill('seed-0000')
      await page.waitForURL(/q=seed-0000/)
      await expect.poll(() => rowIds(page)).toEqual(Array.from({ length: 10 }, (_, i) => `seed-0000${9 - i}`))
    })
    expect(await page.getByTestId('execution-list').getAttribute('data-count')).toBe('10')
    await timed('list: search by id prefix', async () => {
      await page.getByTestId('search').fill('seed-0420')
      await page.waitForURL(/q=seed-0420/)
      await expect.poll(() => rowIds(page)).toEqual(Array.from({ length: 10 }, (_, i) => `seed-0420${9 - i}`))
    })

    await timed('list: open an execution', async () => {
      await page.locator('[data-testid="execution-row"][data-id="seed-04203"]').click()
      await page.getByTestId('execution-id').filter({ hasText: 'seed-04203' }).waitFor()
      await page.getByTestId('step-node-store').waitFor()
    })
    await page.close()
  })

  it('opens the 300-step execution: graph, why, timeline, event log, and a signal that finishes it', async () => {
    const page = await pageForTest(browser, 'seeded-execution', () => server.output())
    await timed('execution page: graph of 300 steps shown', async () => {
      await page.goto(`${server.url}/executions/${BIG_EXECUTION}`)
      await page.locator('[data-testid="workflow-graph"][data-steps="300"]').waitFor({ timeout: 20_000 })
      await page.locator('[data-testid="step-node-s20_4"][data-state="waiting"]').waitFor()
    })
    // Only the nodes in view are drawn, and the view opens on the waiting step.
    expect(await page.locator('.react-flow__node').count()).toBeLessThan(300)

    const why = page.getByTestId('why-panel')
    expect(await why.locator('[data-step="s20_4"]').textContent()).toMatch(/^s20_4 is waiting for signal go since/)
    expect(await why.getByTestId('why-item').count()).toBe(10)
    await why.getByRole('button', { name: /^Show all \d+$/ }).click()
    const blocked = await why.getByTestId('why-item').count()
    expect(blocked).toBeGreaterThan(50)
    expect(await why.locator('[data-step="s21_3"]').textContent()).toBe('s21_3 is waiting for s20_4.')

    await page.getByTestId('step-node-s20_4').click()
    await page.locator('[data-testid="step-details"][data-step="s20_4"]').waitFor()
    await page.getByTestId('event-log').scrollIntoViewIfNeeded()
    await page.getByText('only', { exact: false }).locator('input').check()
    expect(await page.getByTestId('event-log').getAttribute('data-count')).toBe('1')
    await page.getByText('only', { exact: false }).locator('input').uncheck()

    // The timeline has a row per step that started, and scrolls.
    const timeline = page.getByTestId('timeline')
    await timeline.getByTestId('timeline-row-s00_0').waitFor()
    await timeline.locator('.vlist').hover()
    await page.mouse.wheel(0, 5_000)
    await timeline.getByTestId('timeline-row-s20_4').waitFor()
    await screenshot(page, 'seeded-execution')

    // A signal from the UI lets the remaining steps run; the page follows them live to the end.
    await page.getByTestId('action-signal').click()
    expect(await page.getByTestId('signal-topic').inputValue()).toBe('go')
    await page.getByTestId('signal-data').fill('{"ok": true}')
    await timed('execution page: signal to completion (55 steps, live)', async () => {
      await page.getByTestId('signal-send').click()
      await page.locator('[data-testid="execution-page"][data-status="completed"]').waitFor({ timeout: 30_000 })
    })
    await page.locator('[data-testid="step-node-s20_4"][data-state="completed"]').waitFor()
    expect(await page.getByTestId('why-panel').count()).toBe(0)
    await screenshot(page, 'seeded-execution-completed')
    await page.close()
  })
})
