/**
 * UI: the web UI's pages with thousands of executions and a 300-step workflow, timed in Debian's Chromium. The
 * database is seeded as the seeded browser test seeds it (`test/ui/support/seed.ts`: a 300-step run parked on a
 * signal, then N ended executions of three small workflows), the real `trellis serve` runs in its own process (the
 * CLI from source, through tsx: `bench/ui-serve.ts`) and a fresh headless Chromium drives the pages through
 * playwright-core. Three timings, each from the user's action to what they wait for being on screen:
 *
 * - **list**: open `/` until the first rows are visible;
 * - **search**: choose the status `failed`, wait until only failed rows show, then type an id prefix and wait
 *   until exactly the matching failed executions show (the search box waits 200 ms after the last key);
 * - **execution**: open the 300-step execution's page until the graph is drawn (300 steps laid out, the waiting
 *   step's node shown in its state).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiExecutionPage } from '../src/server/api-types.js'
import { chromiumMissing, openBrowser } from '../test/ui/support/chromium.js'
import {
  BIG_EXECUTION,
  bigWorkflowSource,
  seedDatabase,
  SMALL_WORKFLOWS,
  smallWorkflowSource,
} from '../test/ui/support/seed.js'
import { startServer, type Server } from '../test/ui/support/server.js'
import { check, type BenchEngine } from './common.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
/** `trellis serve` from source. */
const SERVE_ENTRY = ['--import', 'tsx', fileURLToPath(new URL('./ui-serve.ts', import.meta.url))]
/** The list's page size (ui/src/pages/executions-page.tsx). */
const LIST_PAGE = 200
/** Generous: the machine may be loaded; the timings say how long it took. */
const WAIT_MS = 120_000

export interface UiParams {
  /** Ended executions in the list, besides the 300-step one. @default 5,000 */
  readonly executions: number
}

export const UI_FULL: UiParams = { executions: 5_000 }

export interface UiOutcome {
  readonly listMs: number
  readonly searchMs: number
  readonly executionMs: number
}

/** What this machine lacks for the workload (a browser, the built UI), or null. */
export function uiMissing(): string | null {
  if (!existsSync(join(REPO, 'dist/ui/index.html'))) return 'the web UI is not built (npm run build:ui)'
  return chromiumMissing()
}

/** The page's DOM, just what the predicates below read (they run in the browser; this project has no lib "dom"). */
declare const document: {
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }>
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

/** Seeds `bench`'s SQLite file, serves it, and times the pages. */
export async function runUiPages(bench: BenchEngine, params: UiParams): Promise<UiOutcome> {
  if (bench.db === null || bench.tempDir === null) throw new Error('the UI workload needs a SQLite file')
  await seedDatabase(bench.db, params.executions)
  const workflows = join(bench.tempDir, 'workflows')
  mkdirSync(workflows)
  writeFileSync(join(workflows, 'big.yaml'), bigWorkflowSource())
  for (const name of SMALL_WORKFLOWS) writeFileSync(join(workflows, `${name}.yaml`), smallWorkflowSource(name))

  const server = await startServer(bench.db, ['--workflow', workflows], { entry: SERVE_ENTRY })
  try {
    const browser = await openBrowser({ timeoutMs: WAIT_MS })
    try {
      return await measurePages(server, browser, params)
    } finally {
      await browser.close()
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`${message}\nserver output:\n${server.output()}`, { cause: error })
  } finally {
    await server.stop()
  }
}

async function measurePages(
  server: Server,
  browser: Awaited<ReturnType<typeof openBrowser>>,
  params: UiParams,
): Promise<UiOutcome> {
  const errors: string[] = []
  const newPage = async () => {
    const page = await browser.newPage()
    page.on('pageerror', (error) => errors.push(error.message))
    return page
  }

  // The list: first rows on screen.
  const list = await newPage()
  const listMs = await timed(async () => {
    await list.goto(server.url)
    await list.getByTestId('execution-row').first().waitFor()
  })
  const count = Number(await list.getByTestId('execution-list').getAttribute('data-count'))
  check(count === Math.min(LIST_PAGE, params.executions + 1), `UI list loaded ${count} rows`)
  const first = await list.getByTestId('execution-row').first().getAttribute('data-id')
  check(first === BIG_EXECUTION, `UI list starts with ${first}, expected ${BIG_EXECUTION}`)

  // A filter and search round: failed executions, then those among them whose id starts with a prefix that
  // lies well past the first page (the 10 ids around 8.4 % of the way from the oldest).
  const around = Math.floor((params.executions * 0.084) / 10) * 10
  const prefix = `seed-${String(around).padStart(5, '0')}`.slice(0, -1)
  const expected = await fetch(`${server.url}/api/executions?status=failed&id_prefix=${prefix}&limit=100`)
    .then((r) => r.json() as Promise<ApiExecutionPage>)
    .then((page) => page.executions.map((e) => e.id))
  check(expected.length > 0, `no failed execution has an id starting with ${prefix}`)
  const searchMs = await timed(async () => {
    await list.getByTestId('filter-status').selectOption('failed')
    await list.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="execution-row"]')]
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-status') === 'failed')
    })
    await list.getByTestId('search').fill(prefix)
    await list.waitForFunction((ids) => {
      const rows = [...document.querySelectorAll('[data-testid="execution-row"]')]
      return rows.map((r) => r.getAttribute('data-id')).join(',') === ids.join(',')
    }, expected)
  })
  await list.close()

  // The 300-step execution: the graph drawn, the waiting step's node in its state.
  const execution = await newPage()
  const executionMs = await timed(async () => {
    await execution.goto(`${server.url}/executions/${BIG_EXECUTION}`)
    await execution.locator('[data-testid="workflow-graph"][data-steps="300"]').waitFor()
    await execution.locator('[data-testid="step-node-s20_4"][data-state="waiting"]').waitFor()
  })
  await execution.close()

  check(errors.length === 0, `UI page errors: ${errors.join('; ')}`)
  return { listMs, searchMs, executionMs }
}
