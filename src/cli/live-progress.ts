import { Listr } from 'listr2'
import type { EventBus, TrellisEvent } from '../events/index.js'
import { formatDuration } from '../util/index.js'
import type { Progress } from './progress.js'
import { attemptsText, isStepEnded, type StepBoard, type StepProgress } from './step-board.js'

/** What the live display uses of a listr2 task. */
interface Wrapper {
  title: string | unknown[]
  output: string | unknown[]
  skip(message?: string): void
}

/**
 * The live display on a terminal: a listr2 task per step showing its state, attempts and duration, updated from
 * `events`; failed and cancelled steps end as failed tasks, skipped ones as skipped.
 */
export function startLiveProgress(events: EventBus, board: StepBoard, earlier: readonly TrellisEvent[]): Progress {
  // A pseudo-terminal without a size (`script`, `docker run -t`) reports 0 columns; listr2 would then wrap every
  // character onto its own line.
  if (!(process.stdout.columns > 0)) process.stdout.columns = 80
  for (const event of earlier) board.apply(event)
  const wrappers = new Map<string, Wrapper>()
  const ends = new Map<string, () => void>()
  const ended = new Map<string, Promise<void>>()
  for (const name of board.steps.keys()) {
    ended.set(name, new Promise<void>((resolve) => ends.set(name, resolve)))
  }
  let stopReason: string | null = null

  // Tasks whose function returned: listr2 must not be touched for them any more (its renderer may have ended).
  const settled = new Set<string>()
  const refresh = (step: StepProgress): void => {
    const task = wrappers.get(step.name)
    if (task === undefined || settled.has(step.name)) return
    task.title = liveTitle(step)
    task.output = step.detail ?? ''
    if (isStepEnded(step)) ends.get(step.name)?.()
  }

  const listr = new Listr(
    [...board.steps.values()].map((step) => ({
      title: liveTitle(step),
      task: async (_ctx, task): Promise<void> => {
        wrappers.set(step.name, task)
        refresh(step)
        await ended.get(step.name)
        settled.add(step.name)
        const final = board.steps.get(step.name) ?? step
        task.title = liveTitle(final, stopReason)
        task.output = ''
        if (final.status === 'failed' || final.status === 'cancelled') throw new Error(final.detail ?? final.status)
        // Skipped steps, and steps that had not ended when the command stopped following.
        if (final.status !== 'completed') task.skip()
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseErrors: false, showErrorMessage: true, collapseSkips: false, suffixSkips: false },
    },
  )
  const running = listr.run().catch(() => undefined)
  const off = events.onAny((event) => {
    board.apply(event)
    if (event.step !== null && event.execution_id === board.executionId) {
      const step = board.steps.get(event.step)
      if (step !== undefined) refresh(step)
    }
  })

  return {
    async finish(execution, why) {
      off()
      if (execution !== null) board.settle(execution)
      stopReason = why ?? null
      for (const step of board.steps.values()) {
        refresh(step)
        ends.get(step.name)?.()
      }
      await running
    },
  }
}

/** `validate completed (1 attempt, 12ms)`, `charge retrying (2 attempts)`, `approve waiting`. */
function liveTitle(step: StepProgress, stopReason: string | null = null): string {
  const parts: string[] = []
  if (step.attempts > 0) parts.push(attemptsText(step.attempts))
  if (step.firstAt !== null && step.endAt !== null) parts.push(formatDuration(Math.max(0, step.endAt - step.firstAt)))
  const status = stopReason !== null && !isStepEnded(step) ? `${step.status}, ${stopReason}` : step.status
  return `${step.name} ${status}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
}
