import type { ActionRegistry } from '../actions/index.js'
import type { Engine } from '../engine/index.js'
import type { Store } from '../store/index.js'
import type { Logger } from '../util/index.js'
import type { DbOptions } from './options.js'

// The engine, the store and the action modules are loaded when a command opens them (dynamic imports), so that
// `--help`, `--version`, usage errors and `validate` start fast.

/** Loads every `--actions` module into a registry that already holds the built-ins. */
export async function loadActions(modules: readonly string[] = []): Promise<ActionRegistry> {
  const { createActionRegistry, loadActionModule } = await import('../actions/index.js')
  const registry = createActionRegistry()
  for (const module of modules) await loadActionModule(module, registry)
  return registry
}

/** What a command that works on executions opens. */
export interface SessionOptions extends DbOptions {
  /** Create the database when it does not exist (`run`, `start`, `worker`); read-only commands never do. */
  readonly create: boolean
  readonly actions?: ActionRegistry
}

/** An engine on the `--db` store, with the CLI's logger; `close()` closes both. */
export interface Session {
  readonly engine: Engine
  readonly logger: Logger
  close(): Promise<void>
}

/**
 * Opens the store and an engine on it. Returns `null` when the database does not exist and `create` is false
 * (nothing can be found in a database that was never made, and a read must not make one).
 */
export async function openSession(options: SessionOptions): Promise<Session | null> {
  const [{ createCliLogger }, { openStore }, { createEngine }] = await Promise.all([
    import('./logger.js'),
    import('../open-store.js'),
    import('../create-engine.js'),
  ])
  const logger = createCliLogger(options.logLevel)
  const store = await openStore(options.db, { createIfMissing: options.create })
  if (store === null) return null
  let engine: Engine
  try {
    engine = await createEngine({ db: store, actions: options.actions, logger })
  } catch (error) {
    await store.close()
    throw error
  }
  let closing: Promise<void> | null = null
  return {
    engine,
    logger,
    close: () =>
      (closing ??= (async () => {
        try {
          await engine.close()
        } finally {
          await store.close()
        }
      })()),
  }
}

/** Runs `fn` with an open session and closes it afterwards, whatever happens. */
export async function withSession<T>(
  options: SessionOptions,
  ifMissing: () => T | Promise<T>,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(options)
  if (session === null) return ifMissing()
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}

/**
 * Runs `fn` with the store alone (no engine: `list` and `events` only read rows and the log, and start faster
 * without the engine's modules), and closes it afterwards. Never creates a database.
 */
export async function withStore<T>(
  options: DbOptions,
  ifMissing: () => T | Promise<T>,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const { openStore } = await import('../open-store.js')
  const store = await openStore(options.db, { createIfMissing: false })
  if (store === null) return ifMissing()
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}
