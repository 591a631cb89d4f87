/**
 * W5: executions that each wait for a `go` signal; a second process (`w5-sender.ts`) opens the same database and
 * sends the signals. Measures delivery latency: from the signal's send (the sender's `sent_at`, in the signal's
 * data) to the `step.completed` of the wait step on this process's event bus, both read on the machine-wide clock
 * (`performance.timeOrigin + performance.now()`).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { defineWorkflow, type Workflow } from '../src/definition/index.js'
import type { ExecutionHandle } from '../src/engine/index.js'
import { check, sharedNow, type BenchEngine } from './common.js'

export interface W5Params {
  /** Executions, each waiting for one signal. @default 50 */
  readonly executions: number
  /**
   * Time between two sends. 7 ms is prime to the 20 ms change check of the SQLite store, so the sends fall on every
   * phase of it. @default 7
   */
  readonly gapMs: number
}

export const W5_FULL: W5Params = { executions: 50, gapMs: 7 }

export interface W5Outcome {
  readonly wallMs: number
  /** Send → wait step completed here, ms. */
  readonly latenciesMs: readonly number[]
  readonly executionIds: readonly string[]
}

const SENDER = fileURLToPath(new URL('./w5-sender.ts', import.meta.url))

/** `w` waits for `go`; `after` is `x + 1` of the signal's `n`; output `value`. */
export function signalWorkflow(): Workflow {
  return defineWorkflow('bench-w5', {}, (w) => {
    const wait = w.wait('w', { signal: 'go' })
    const after = w.action('after', 'bench.inc', { with: { x: '{{ steps.w.output.n }}' }, needs: [wait] })
    w.output('value', after.output)
  })
}

export async function runW5(bench: BenchEngine, params: W5Params = W5_FULL): Promise<W5Outcome> {
  if (bench.db === null) throw new Error('W5 needs a database another process can open (not :memory:)')
  const workflow = signalWorkflow()
  const events = bench.engine.events
  const suspended = new Set<string>()
  let allSuspended!: () => void
  const parked = new Promise<void>((resolve) => (allSuspended = resolve))
  const latencyOf = new Map<string, number>()
  const offSuspended = events.on('execution.suspended', (event) => {
    suspended.add(event.execution_id)
    if (suspended.size === params.executions) allSuspended()
  })
  const offCompleted = events.on('step.completed', (event) => {
    if (event.step !== 'w') return
    const at = sharedNow()
    const sentAt = (event.data.output as { sent_at?: unknown } | null)?.sent_at
    if (typeof sentAt === 'number') latencyOf.set(event.execution_id, at - sentAt)
  })
  const started = performance.now()
  try {
    const handles: ExecutionHandle[] = []
    for (let i = 0; i < params.executions; i++) handles.push(await bench.engine.start(workflow))
    await parked
    await sendFromAnotherProcess(
      bench.db,
      params.gapMs,
      handles.map((h) => h.id),
    )
    const executions = await Promise.all(handles.map((h) => h.result({ timeoutMs: 60_000 })))
    for (const [n, execution] of executions.entries()) {
      check(execution.status === 'completed', `W5 execution ${execution.id} ended ${execution.status}`)
      check(
        execution.outputs.value === n + 1,
        `W5 output ${JSON.stringify(execution.outputs.value)}, expected ${n + 1}`,
      )
    }
    const latenciesMs = handles.map((h) => latencyOf.get(h.id) ?? Number.NaN)
    check(
      latenciesMs.every((ms) => Number.isFinite(ms)),
      'W5: a wait step completed without the sender timestamp',
    )
    return { wallMs: performance.now() - started, latenciesMs, executionIds: handles.map((h) => h.id) }
  } finally {
    offSuspended()
    offCompleted()
  }
}

/** Runs `w5-sender.ts` in a second Node process (through tsx) and waits for it to exit. */
function sendFromAnotherProcess(db: string, gapMs: number, ids: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SENDER, db, String(gapMs), ids.join(',')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`W5 sender exited with ${signal ?? code}: ${stderr.trim()}`))
    })
  })
}
