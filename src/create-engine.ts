import { createActionRegistry, type ActionRegistry } from './actions/index.js'
import type { Workflow } from './definition/index.js'
import { Engine, type RetentionOptions } from './engine/index.js'
import { openStore } from './open-store.js'
import type { Store } from './store/index.js'
import type { Clock, Logger } from './util/index.js'
import { runWorker, type Worker } from './worker/index.js'

/** What `createEngine` accepts. */
export interface CreateEngineOptions {
  /** A path, `sqlite:PATH`, `postgres://…`, `':memory:'`, or an open Store. @default ./.trellis/trellis.db */
  readonly db?: string | Store
  /** Extra actions: a registry, or an object of name -> function. The built-ins are always there. */
  readonly actions?: ActionRegistry | Readonly<Record<string, (input: never, ctx: never) => unknown>>
  readonly clock?: Clock
  readonly logger?: Logger
  readonly random?: () => number
  /** @default 30_000 */
  readonly leaseMs?: number
  readonly workflows?: readonly Workflow[]
  /**
   * Periodic retention: every `everyMs` (default: `olderThanMs`, between 1 s and 1 h) delete the executions that
   * ended more than `olderThanMs` ago, with their events, signals and children. @default none
   */
  readonly retention?: RetentionOptions
}

/**
 * Opens the store (migrating it) and returns an engine that runs executions in this process.
 *
 * @example
 * const engine = await createEngine({ db: ':memory:' })
 * const execution = await engine.run(workflow, { order_id: 'A1' })
 */
export async function createEngine(options: CreateEngineOptions = {}): Promise<Engine> {
  const store =
    typeof options.db === 'object'
      ? options.db
      : await openStore(options.db, { clock: options.clock, createIfMissing: true })
  if (store === null) throw new Error('unreachable: createIfMissing')
  try {
    return new Engine({
      store,
      actions: toRegistry(options.actions),
      clock: options.clock,
      logger: options.logger,
      random: options.random,
      leaseMs: options.leaseMs,
      workflows: options.workflows,
      ownsStore: typeof options.db !== 'object',
      retention: options.retention,
    })
  } catch (error) {
    // A bad option: do not leave the store this call opened behind.
    if (typeof options.db !== 'object') await store.close()
    throw error
  }
}

/** An engine plus the claim loop of a worker: runs executions started elsewhere (detached). */
export async function createWorker(
  options: CreateEngineOptions & { concurrency?: number; pollMs?: number },
): Promise<Worker & { engine: Engine }> {
  const engine = await createEngine(options)
  const worker = runWorker(engine, { concurrency: options.concurrency, pollMs: options.pollMs })
  return Object.assign(worker, { engine })
}

function toRegistry(actions: CreateEngineOptions['actions']): ActionRegistry {
  if (actions === undefined) return createActionRegistry()
  if (
    typeof (actions as ActionRegistry).register === 'function' &&
    typeof (actions as ActionRegistry).get === 'function'
  ) {
    return actions as ActionRegistry
  }
  const registry = createActionRegistry()
  for (const [name, fn] of Object.entries(actions))
    registry.register(name, fn as never, `createEngine({ actions }).${name}`)
  return registry
}
