import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Option, type Command } from 'commander'
import type { Cli } from '../cli.js'
import { loadDefinition } from '../definitions.js'
import { EXIT_CODE } from '../exit-codes.js'
import { keepAlive, watchInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import { addActionsOption, addDbOption, intArg, type ActionsOptions, type DbOptions } from '../options.js'
import { loadActions } from '../session.js'

interface ServeOptions extends DbOptions, ActionsOptions {
  readonly port: number
  readonly host: string
  readonly token?: string
  readonly workflow?: readonly string[]
  readonly concurrency: number
}

/** The port `trellis serve` listens on unless told otherwise. */
export const DEFAULT_PORT = 7420

/**
 * `trellis serve`: the HTTP API, the web UI and a worker in one process, until SIGINT (exit 130) or SIGTERM
 * (exit 0). Prints the URL on stdout once listening (`--port 0` picks a free port).
 */
export function registerServe(program: Command, cli: Cli): void {
  const command = program
    .command('serve')
    .description('HTTP API, web UI and a worker in one process')
    .option('--port <port>', 'port to listen on; 0 picks a free one', intArg(0), DEFAULT_PORT)
    .option('--host <host>', 'host to bind; other than loopback needs a token', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'API token clients send as Authorization: Bearer (also TRELLIS_TOKEN)').env(
        'TRELLIS_TOKEN',
      ),
    )
    .option(
      '--workflow <path>',
      'register a workflow file, or every .yaml/.yml/.json file of a folder (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--concurrency <n>', 'most executions the worker holds at once', intArg(1), 10)
  addActionsOption(command)
  addDbOption(command)
  // Logs are what a server is watched by: info unless --log-level says otherwise.
  command.options.find((option) => option.long === '--log-level')?.default('info') // for --help
  command.setOptionValueWithSource('logLevel', 'info', 'default')
  command.action(async (options: ServeOptions) => cli.exit(await serve(options, cli.io)))
}

async function serve(options: ServeOptions, io: Io): Promise<number> {
  const [actions, server, { openStore, describeDb }, { createEngine }, { runWorker }] = await Promise.all([
    loadActions(options.actions),
    import('../../server/index.js'),
    import('../../open-store.js'),
    import('../../create-engine.js'),
    import('../../worker/index.js'),
  ])
  const token = options.token === '' ? undefined : options.token
  // Refuse a reachable binding without a token before opening anything.
  const problem = server.bindingProblem(options.host, token)
  if (problem !== null) {
    const { UsageError } = await import('../errors.js')
    throw new UsageError(problem)
  }
  const workflows = await loadWorkflows(options.workflow ?? [], actions)
  const logger = server.createServerLogger({ level: options.logLevel })
  const interrupt = watchInterrupt(['SIGINT', 'SIGTERM'])
  const letGo = keepAlive()
  const store = await openStore(options.db, { createIfMissing: true })
  if (store === null) throw new Error('unreachable: the database is created when missing')
  try {
    const engine = await createEngine({ db: store, actions, logger })
    const offLog = server.logEvents(engine.events, logger)
    const tracing = new server.EngineTracing(engine.events)
    engine.aroundAttempt = tracing.aroundAttempt
    const worker = runWorker(engine, { concurrency: options.concurrency })
    let running: Awaited<ReturnType<typeof server.startServer>> | null = null
    try {
      running = await server.startServer({
        engine,
        logger,
        workflows,
        port: options.port,
        host: options.host,
        ...(token === undefined ? {} : { token }),
      })
      logger.info(
        { url: running.url, db: describeDb(options.db), workflows: workflows.length, auth: token !== undefined },
        'serving',
      )
      io.out(`trellis serve: listening on ${running.url}`)
      io.out(
        `  web UI ${running.url}/  ·  API ${running.url}/api  ·  metrics ${running.url}/metrics  ·  ` +
          `database ${describeDb(options.db)}${token === undefined ? '' : '  ·  token required'}`,
      )
      io.out('  Ctrl-C or SIGTERM stops it')
      await new Promise<void>((resolve) => {
        if (interrupt.signal.aborted) resolve()
        interrupt.signal.addEventListener('abort', () => resolve(), { once: true })
        void worker.done.then(resolve)
      })
    } finally {
      // Stop taking requests first, then the worker (running attempts are aborted and stay resumable).
      await running?.close()
      await worker.stop()
      tracing.close()
      offLog()
    }
    io.out(`trellis serve stopped${interrupt.received === null ? '' : ` (${interrupt.received})`}`)
    return interrupt.received === 'SIGINT' ? EXIT_CODE.interrupted : EXIT_CODE.ok
  } finally {
    await store.close()
    interrupt.dispose()
    letGo()
  }
}

/** Loads every `--workflow` file (a folder: its .yaml, .yml and .json files), with its source text. */
async function loadWorkflows(
  paths: readonly string[],
  actions: Awaited<ReturnType<typeof loadActions>>,
): Promise<{ workflow: Awaited<ReturnType<typeof loadDefinition>>; source: string }[]> {
  const files: string[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => null)
    if (info?.isDirectory() === true) {
      const names = (await readdir(path)).filter((n) => ['.yaml', '.yml', '.json'].includes(extname(n))).sort()
      files.push(...names.map((n) => join(path, n)))
    } else {
      files.push(path)
    }
  }
  const loaded = []
  for (const file of files) {
    const workflow = await loadDefinition(file, actions)
    loaded.push({ workflow, source: await readFile(file, 'utf8') })
  }
  return loaded
}
