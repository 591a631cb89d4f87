import type { Execution } from '../engine/index.js'
import type { EventBus, TrellisEvent } from '../events/index.js'
import type { Io } from './io.js'
import type { StepBoard } from './step-board.js'

/** A live view of one execution's steps while a command follows it. */
export interface Progress {
  /**
   * Stops listening and finishes the display. `execution` is the final word (its steps settle the display); null
   * when the command stops following before the end, `why` then says why (`interrupted`).
   */
  finish(execution: Execution | null, why?: string): Promise<void>
}

/**
 * Shows the progress of the execution on `board`, fed by `events`: on a terminal, `live` (a task list with each
 * step's state, attempts and duration); otherwise one plain line per event (`step validate completed (1
 * attempt, 12ms)`). `earlier` are events committed before the display started; they are shown first.
 */
export function startProgress(
  events: EventBus,
  board: StepBoard,
  io: Io,
  earlier: readonly TrellisEvent[] = [],
  live: LiveProgress | null = null,
): Progress {
  return io.isTTY && live !== null ? live(events, board, earlier) : startPlainProgress(events, board, io, earlier)
}

/** The live display (`live-progress.ts`), loaded only when stdout is a terminal (listr2 takes time to load). */
export type LiveProgress = (events: EventBus, board: StepBoard, earlier: readonly TrellisEvent[]) => Progress

function startPlainProgress(events: EventBus, board: StepBoard, io: Io, earlier: readonly TrellisEvent[]): Progress {
  const show = (event: TrellisEvent): void => {
    const line = board.apply(event)
    if (line !== null) io.out(line)
  }
  for (const event of earlier) show(event)
  const off = events.onAny(show)
  return {
    async finish(execution) {
      off()
      if (execution !== null) board.settle(execution)
    },
  }
}
