import type { Command } from 'commander'
import type { TrellisEvent } from '../../events/index.js'
import { isTerminalStatus, type Store } from '../../store/index.js'
import type { Cli } from '../cli.js'
import { NoSuchExecutionError, missingDatabase } from '../errors.js'
import { EXIT_CODE } from '../exit-codes.js'
import { keepAlive, watchInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import { addDbOption, addJsonOption, intArg, type DbOptions } from '../options.js'
import { withStore } from '../session.js'

interface EventsOptions extends DbOptions {
  readonly json?: boolean
  readonly follow?: boolean
  readonly after?: number
}

const PAGE = 500
/** Safety net under the store's change notifications while following. */
const FOLLOW_POLL_MS = 1_000

/** `trellis events ID`: the event log; `--follow` streams until the execution is terminal. Never creates a database. */
export function registerEvents(program: Command, cli: Cli): void {
  const command = program
    .command('events')
    .description('print the event log of an execution; --follow streams until it ends')
    .argument('<id>', 'the execution')
    .option('--follow', 'keep streaming until the execution is terminal')
    .option('--after <seq>', 'only events after this sequence number', intArg(0))
  addJsonOption(command, 'one event object per line')
  addDbOption(command)
  command.action(async (id: string, options: EventsOptions) => {
    const notFound = missingDatabase(id, options.db)
    cli.exit(await withStore(options, notFound, (store) => printEvents(store, id, options, cli.io)))
  })
}

async function printEvents(store: Store, id: string, options: EventsOptions, io: Io): Promise<number> {
  // Loaded only for --json: read commands start without the engine's modules otherwise.
  const toWireEvent = options.json === true ? (await import('../../engine/index.js')).toWireEvent : null
  const print = (event: TrellisEvent): void => {
    if (toWireEvent !== null) io.json(toWireEvent(event))
    else io.out(eventLine(event))
  }
  let after = options.after ?? 0
  const drain = async (): Promise<void> => {
    for (;;) {
      const page = await store.readEvents(id, after, PAGE)
      for (const event of page) {
        print(event)
        after = event.seq
      }
      if (page.length < PAGE) return
    }
  }

  if (options.follow !== true) {
    if ((await store.findExecution(id)) === undefined) throw new NoSuchExecutionError(id)
    await drain()
    return EXIT_CODE.ok
  }

  const interrupt = watchInterrupt()
  const letGo = keepAlive()
  let wake: (() => void) | null = null
  const off = store.onExternalChange(() => wake?.())
  const onAbort = (): void => wake?.()
  interrupt.signal.addEventListener('abort', onAbort)
  try {
    for (;;) {
      // The row is read before the events: when it is terminal, the events read next include its last one.
      const record = await store.findExecution(id)
      if (record === undefined) throw new NoSuchExecutionError(id)
      await drain()
      if (isTerminalStatus(record.status) && after >= record.lastSeq) return EXIT_CODE.ok
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FOLLOW_POLL_MS)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
        if (interrupt.signal.aborted) wake()
      })
      wake = null
      if (interrupt.signal.aborted) return EXIT_CODE.interrupted
    }
  } finally {
    off()
    interrupt.signal.removeEventListener('abort', onAbort)
    interrupt.dispose()
    letGo()
  }
}

/** One event for people: `3  2024-05-01T10:00:00.000Z  step.completed  validate  attempt 1  {"output":…}`. */
export function eventLine(event: TrellisEvent): string {
  const parts = [String(event.seq).padStart(4), event.at, event.type.padEnd(19)]
  if (event.step !== null) parts.push(event.index === null ? event.step : `${event.step}[${event.index}]`)
  if (event.attempt !== null) parts.push(`attempt ${event.attempt}`)
  parts.push(JSON.stringify(event.data))
  return parts.join('  ')
}
