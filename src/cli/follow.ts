import type { Execution, ExecutionHandle } from '../engine/index.js'
import type { TrellisEvent } from '../events/index.js'
import { formatDuration } from '../util/index.js'
import { EXIT_CODE, outcomeOfError, outcomeOfStatus } from './exit-codes.js'
import { keepAlive, watchInterrupt } from './interrupt.js'
import type { Io } from './io.js'
import { startProgress, type Progress } from './progress.js'
import type { Session } from './session.js'
import type { StepBoard } from './step-board.js'
import { executionSummary } from './summary.js'

/** How `run`, `resume` and `retry` follow an execution to its end in this process. */
export interface FollowOptions {
  readonly session: Session
  readonly io: Io
  readonly json: boolean
  /** Stop following after this long (exit 4); the execution goes on in the store. */
  readonly timeoutMs?: number
  /** The execution's steps as known before it goes on; the live display starts from them. */
  readonly board: StepBoard
  /** Starts or continues the execution in this process and returns its handle. */
  readonly begin: () => Promise<ExecutionHandle>
}

/**
 * Runs the execution attached to this process until it ends, showing progress (unless `--json`), then prints the
 * execution (summary or JSON) and returns the exit code of its outcome: 0 completed, 1 failed, 3 cancelled; 4 when
 * `--timeout` passed first; 130 on Ctrl-C, after closing the engine so the execution stays resumable.
 */
export async function followExecution(options: FollowOptions): Promise<number> {
  const { session, io, board } = options
  const id = board.executionId
  const interrupt = watchInterrupt()
  // Closing the session aborts running attempts, releases the lease and rejects the wait below.
  const onInterrupt = (): void => void session.close().catch(() => undefined)
  interrupt.signal.addEventListener('abort', onInterrupt, { once: true })
  const letGo = keepAlive()
  // The display starts once `begin` succeeded (a refused retry shows none); what was committed meanwhile is kept.
  const live = !options.json && io.isTTY ? (await import('./live-progress.js')).startLiveProgress : null
  // The engine is loaded by now (the session opened it); imported here so `--help` and read commands start without it.
  const { toWireExecution } = await import('../engine/index.js')
  const earlier: TrellisEvent[] = []
  const stopBuffering = session.engine.events.onAny((event) => void earlier.push(event))
  let progress: Progress | null = null
  try {
    let execution: Execution
    try {
      const handle = await options.begin()
      stopBuffering()
      if (!options.json) progress = startProgress(session.engine.events, board, io, earlier, live)
      if (interrupt.signal.aborted) throw new Error('interrupted')
      execution = await handle.result(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
    } catch (error) {
      if (interrupt.signal.aborted) {
        await progress?.finish(null, 'interrupted')
        await session.close()
        io.err(`interrupted: execution ${id} stopped and can go on; continue it with: trellis resume ${id}`)
        return EXIT_CODE.interrupted
      }
      if (outcomeOfError(error) === 'timeout' && options.timeoutMs !== undefined) {
        const now = await session.engine.find(id)
        await progress?.finish(now ?? null, 'still going')
        if (options.json && now !== undefined) io.json(toWireExecution(now))
        io.err(
          `execution ${id} did not end within ${formatDuration(options.timeoutMs)} (it is ${now?.status ?? 'unknown'}); ` +
            `it goes on in the store: trellis status ${id}`,
        )
        return EXIT_CODE.timeout
      }
      await progress?.finish(null, 'stopped')
      throw error
    }
    await progress?.finish(execution)
    if (options.json) io.json(toWireExecution(execution))
    else io.out(executionSummary(execution))
    return EXIT_CODE[outcomeOfStatus(execution.status)]
  } finally {
    stopBuffering()
    interrupt.signal.removeEventListener('abort', onInterrupt)
    interrupt.dispose()
    letGo()
  }
}

/** Prints an execution that has already ended (resume of an ended execution) and returns its outcome's code. */
export async function printEnded(execution: Execution, io: Io, json: boolean): Promise<number> {
  if (json) io.json((await import('../engine/index.js')).toWireExecution(execution))
  else io.out(executionSummary(execution))
  return EXIT_CODE[outcomeOfStatus(execution.status)]
}
