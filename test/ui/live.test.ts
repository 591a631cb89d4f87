import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ApiExecution } from '../../src/server/api-types.js'
import { type Browser, describeBrowser, openBrowser, pageForTest, screenshot } from './support/browser.js'
import { callApi, type Server, startServer } from './support/server.js'
import { APPROVAL_SOURCE, APPROVAL_WORKFLOW, FAILING_SOURCE, FAILING_WORKFLOW } from './support/workflows.js'

/** Waits until the element with this test id has `attribute` = `value`. */
async function waitForAttribute(page: Page, testId: string, attribute: string, value: string, timeout = 10_000) {
  await page.locator(`[data-testid="${testId}"][${attribute}="${value}"]`).first().waitFor({ timeout })
}

describeBrowser('web UI with a live server', () => {
  let dir: string
  let server: Server
  let browser: Browser

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-ui-live-'))
    const workflows = join(dir, 'workflows')
    mkdirSync(workflows)
    writeFileSync(join(workflows, 'approval.yaml'), APPROVAL_SOURCE)
    writeFileSync(join(workflows, 'failing.yaml'), FAILING_SOURCE)
    browser = await openBrowser()
    server = await startServer(join(dir, 'ui.db'), ['--workflow', workflows])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts a workflow from its page, colours steps as they run, takes a signal and completes', async () => {
    const page = await pageForTest(browser, 'live-start', () => server.output())
    await page.goto(`${server.url}/workflows/${APPROVAL_WORKFLOW}`)
    await page.getByTestId('step-node-prepare').waitFor()
    expect(await page.getByTestId('workflow-source').textContent()).toContain('wait: { signal: approval }')
    await page.getByTestId('start-submit').click()
    expect(await page.getByTestId('start-form').textContent()).toContain('order_id required')
    await page.getByTestId('input-order_id').fill('A-1001')
    await screenshot(page, 'workflow-page')

    await page.getByTestId('start-submit').click()
    await page.waitForURL(/\/executions\/[^/]+$/)
    const id = decodeURIComponent(page.url().split('/').pop()!)

    // The step's node changes colour as it runs: running, then completed (its action sleeps 1.5 s).
    await waitForAttribute(page, 'step-node-prepare', 'data-state', 'running')
    await screenshot(page, 'execution-running')
    await waitForAttribute(page, 'step-node-prepare', 'data-state', 'completed')
    // Its first attempt fails and the retry 300 ms later succeeds (too brief a state to wait for under load).
    await waitForAttribute(page, 'step-node-check', 'data-state', 'completed')
    await waitForAttribute(page, 'step-node-approve', 'data-state', 'waiting')
    await waitForAttribute(page, 'execution-page', 'data-status', 'suspended')
    expect(await page.getByTestId('step-node-check').textContent()).toContain('attempt 2/3')

    // Why is it not progressing: the wait for the signal, and the step behind it.
    const why = page.getByTestId('why-panel')
    await why.locator('[data-step="approve"]').waitFor()
    expect(await why.locator('[data-step="approve"]').textContent()).toMatch(
      /^approve is waiting for signal approval since \d\d:\d\d\.$/,
    )
    expect(await why.locator('[data-step="ship"]').textContent()).toBe('ship is waiting for approve.')
    const timeline = page.getByTestId('timeline')
    expect(await timeline.locator('[data-kind="retry-delay"]').count()).toBe(1)
    expect(await timeline.locator('[data-kind="wait"]').count()).toBe(1)
    await screenshot(page, 'execution-waiting')

    // The signal form checks its JSON before it sends.
    await page.getByTestId('action-signal').click()
    expect(await page.getByTestId('signal-topic').inputValue()).toBe('approval')
    await page.getByTestId('signal-data').fill('{"by": ada}')
    expect(await page.getByTestId('signal-send').isDisabled()).toBe(true)
    expect(await page.getByTestId('signal-json-status').textContent()).toMatch(/Unexpected token/)
    await screenshot(page, 'signal-invalid-json')
    await page.getByTestId('signal-data').fill('{"by": "ada"}')
    expect(await page.getByTestId('signal-json-status').textContent()).toBe('Valid JSON')
    await page.getByTestId('signal-send').click()

    await waitForAttribute(page, 'execution-page', 'data-status', 'completed')
    await waitForAttribute(page, 'step-node-ship', 'data-state', 'completed')
    expect(await page.getByTestId('execution-outputs').textContent()).toContain('shipped A-1001 by ada')
    expect(await page.getByTestId('why-panel').count()).toBe(0)
    await page.getByTestId('event-log').locator('[data-type="execution.completed"]').waitFor()
    await screenshot(page, 'execution-completed')

    const final = await callApi<ApiExecution>(server, 'GET', `/api/executions/${encodeURIComponent(id)}`)
    expect(final.status).toBe('completed')
    await page.close()
  })

  it('shows executions in the list as they start, park and end', async () => {
    const page = await pageForTest(browser, 'live-list', () => server.output())
    await page.goto(server.url)
    await page.locator('[data-testid="live-indicator"][data-state="open"]').waitFor()

    const started = await callApi<ApiExecution>(server, 'POST', '/api/executions', {
      workflow: APPROVAL_WORKFLOW,
      inputs: { order_id: 'B-7' },
    })
    const row = (status: string) => `[data-testid="execution-row"][data-id="${started.id}"][data-status="${status}"]`
    await page.locator(row('running')).waitFor()
    await page.locator(row('suspended')).waitFor()
    await callApi(server, 'POST', `/api/executions/${started.id}/signal`, { topic: 'approval', data: { by: 'bo' } })
    await page.locator(row('completed')).waitFor()
    await screenshot(page, 'executions-list-live')

    await page.locator(row('completed')).click()
    await page.getByTestId('execution-id').filter({ hasText: started.id }).waitFor()
    await page.close()
  })

  it('retries a failed execution, cancels a waiting one and pauses another from their pages', async () => {
    const page = await pageForTest(browser, 'live-operator', () => server.output())
    const start = (workflow: string, inputs: Record<string, unknown> = {}) =>
      callApi<ApiExecution>(server, 'POST', '/api/executions', { workflow, inputs })

    // Retry: the failed step runs again (a new run of the same execution), and fails again.
    const failed = await start(FAILING_WORKFLOW)
    await page.goto(`${server.url}/executions/${failed.id}`)
    await waitForAttribute(page, 'execution-page', 'data-status', 'failed')
    expect(await page.getByTestId('execution-error').textContent()).toBe('CARD_DECLINED in step charge: card declined')
    await waitForAttribute(page, 'step-node-charge', 'data-state', 'failed')
    expect(await page.getByTestId('action-pause').isDisabled()).toBe(true)
    await page.getByTestId('action-retry').click()
    await page.getByTestId('event-log').locator('[data-type="execution.resumed"]').waitFor()
    await waitForAttribute(page, 'execution-page', 'data-status', 'failed')
    await page.getByTestId('event-log').locator('[data-type="execution.failed"]').nth(1).waitFor()

    // Cancel, asked twice: the waiting step is cancelled with the execution.
    const waiting = await start(APPROVAL_WORKFLOW, { order_id: 'C-1' })
    await page.goto(`${server.url}/executions/${waiting.id}`)
    await waitForAttribute(page, 'execution-page', 'data-status', 'suspended')
    await page.getByTestId('action-cancel').click()
    await page.getByTestId('action-cancel-confirm').click()
    await waitForAttribute(page, 'execution-page', 'data-status', 'cancelled')
    await waitForAttribute(page, 'step-node-approve', 'data-state', 'cancelled')
    expect(await page.getByTestId('action-signal').isDisabled()).toBe(true)

    // Pause: the why panel says who holds it.
    const paused = await start(APPROVAL_WORKFLOW, { order_id: 'C-2' })
    await page.goto(`${server.url}/executions/${paused.id}`)
    await waitForAttribute(page, 'execution-page', 'data-status', 'suspended')
    await page.getByTestId('action-pause').click()
    await waitForAttribute(page, 'execution-page', 'data-status', 'paused')
    await page.getByTestId('why-panel').locator('[data-kind="execution"]', { hasText: 'Paused by operator' }).waitFor()
    expect(await page.getByTestId('action-resume').isEnabled()).toBe(true)
    await screenshot(page, 'execution-paused')
    await page.close()
  })

  it('pauses an execution, holds a signal while paused, and Resume lets it run to completion', async () => {
    const page = await pageForTest(browser, 'live-resume', () => server.output())
    const started = await callApi<ApiExecution>(server, 'POST', '/api/executions', {
      workflow: APPROVAL_WORKFLOW,
      inputs: { order_id: 'R-1' },
    })
    const path = `/api/executions/${encodeURIComponent(started.id)}`
    await page.goto(`${server.url}/executions/${started.id}`)
    await waitForAttribute(page, 'execution-page', 'data-status', 'suspended')
    expect(await page.getByTestId('action-resume').isDisabled()).toBe(true)

    // Paused from the UI; the approval sent meanwhile is stored, and nothing new starts while paused.
    await page.getByTestId('action-pause').click()
    await waitForAttribute(page, 'execution-page', 'data-status', 'paused')
    await callApi(server, 'POST', `${path}/signal`, { topic: 'approval', data: { by: 'rae' } })
    await page.getByTestId('event-log').locator('[data-type="signal.received"]').waitFor()
    expect((await callApi<ApiExecution>(server, 'GET', path)).status).toBe('paused')
    expect(await page.getByTestId('execution-page').getAttribute('data-status')).toBe('paused')
    expect(await page.getByTestId('step-node-ship').getAttribute('data-state')).toBe('pending')
    expect(await page.getByTestId('action-pause').isDisabled()).toBe(true)

    // Resume from the UI: the held signal is taken and the rest of the workflow runs, followed live.
    await page.getByTestId('action-resume').click()
    await waitForAttribute(page, 'execution-page', 'data-status', 'completed', 20_000)
    await waitForAttribute(page, 'step-node-ship', 'data-state', 'completed')
    expect(await page.getByTestId('execution-outputs').textContent()).toContain('shipped R-1 by rae')
    await page.getByTestId('event-log').locator('[data-type="execution.resumed"]').first().waitFor()
    expect(await page.getByTestId('action-resume').isDisabled()).toBe(true)
    await screenshot(page, 'execution-resumed')

    const final = await callApi<ApiExecution>(server, 'GET', path)
    expect(final.status).toBe('completed')
    expect(final.steps['approve']?.output).toEqual({ by: 'rae' })
    await page.close()
  })
})
