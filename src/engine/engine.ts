import { hostname } from 'node:os'
import { createActionRegistry, type ActionRegistry, type AnyAction } from '../actions/index.js'
import { resolveInputs, WORKFLOW_ACTIONS, type Workflow } from '../definition/index.js'
import { EventBus, type TrellisEvent } from '../events/index.js'
import {
  isTerminalStatus,
  type ClaimedAttempt,
  type CreateResult,
  type DecideUnheldResult,
  type ExecutionFilter,
  type ExecutionStatus,
  type ExecutionRecord,
  type ExecutionSummary,
  type HolderIdentity,
  type Lease,
  type LoadedExecution,
  type Store,
} from '../store/index.js'
import {
  EXECUTION_ID_PATTERN,
  InvalidOptionError,
  jsonEqual,
  newExecutionId,
  randomText,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../util/index.js'
import { performAttempt, type AroundAttempt, type AttemptToRun } from './attempt-body.js'
import type { AttemptOutcome } from './decide.js'
import { decideDetached, detachedState, type DetachedInput } from './detached.js'
import { StateCache } from './state-cache.js'
import {
  EngineClosedError,
  ExecutionNotFoundError,
  IdConflictError,
  InvalidStateError,
  ResultTimeoutError,
  UnknownWorkflowError,
} from './errors.js'
import { startRetention, type Retention, type RetentionOptions } from './retention.js'
import { ExecutionRunner, type RunnerHost } from './runner.js'
import { ExecutionState } from './state.js'
import { stateView, toExecutionView, type Execution } from './view.js'

/** What `createEngine` and `createWorker` accept once the store is open. */
export interface EngineOptions {
  readonly store: Store
  /** Actions by name; the built-ins are always there. @default a registry with the built-ins */
  readonly actions?: ActionRegistry
  /** @default systemClock */
  readonly clock?: Clock
  /** @default Math.random */
  readonly random?: () => number
  /** @default silentLogger */
  readonly logger?: Logger
  /** How long a claim lasts without renewal. @default 30_000 */
  readonly leaseMs?: number
  /** Workflows to register at once. */
  readonly workflows?: readonly Workflow[]
  /**
   * Deletes ended executions periodically (with their events, signals and children): every `everyMs`, those that
   * ended more than `olderThanMs` ago. Its timer runs until `close()`. @default none (only `gc()` deletes)
   */
  readonly retention?: RetentionOptions
  /** Close the store with the engine (createEngine sets it for the store it opened). @default false */
  readonly ownsStore?: boolean
}

/** Options of `engine.start`. */
export interface StartOptions {
  /** Names the execution (idempotent start). */
  readonly id?: string
  /** Set when a `workflow` step starts a child. */
  readonly parent?: { readonly id: string; readonly step: string; readonly index: number | null }
}

/** A started execution. */
export interface ExecutionHandle {
  readonly id: string
  /** Resolves with the execution when it ends; rejects with ResultTimeoutError when `timeoutMs` passes first. */
  result(options?: { timeoutMs?: number }): Promise<Execution>
}

interface Waiter {
  resolve(execution: Execution): void
  reject(error: unknown): void
}

const DEFAULT_LEASE_MS = 30_000
/** Detached executions' states kept in memory by a worker, the most recently decided ones. */
const DETACHED_STATES_KEPT = 2_000

/**
 * Runs executions in this process (attached) and, as a worker, claims executions nobody runs (detached).
 * Everything it does goes through the store; see ARCHITECTURE.md for who holds an execution and when.
 */
export class Engine {
  /** Every event this process commits, as a typed stream. */
  readonly events: EventBus
  readonly store: Store
  readonly actions: ActionRegistry
  readonly clock: Clock
  readonly logger: Logger
  readonly holder: HolderIdentity
  readonly leaseMs: number
  readonly #random: () => number
  readonly #workflows = new Map<string, Workflow>()
  readonly #runners = new Map<string, ExecutionRunner>()
  /** States of detached executions as this process's last decision left them (see `decideUnheld`). */
  readonly #detachedStates = new StateCache(DETACHED_STATES_KEPT)
  /** Releases of ended executions under way (`close()` lets them finish before the store closes). */
  readonly #releasing = new Set<Promise<void>>()
  readonly #waiters = new Map<string, Set<Waiter>>()
  readonly #host: RunnerHost
  #timer: { at: number; cancel: () => void } | null = null
  #heartbeat: (() => void) | null = null
  #unwatch: (() => void) | null = null
  #checking: Promise<void> | null = null
  #recheck = false
  #closed = false
  readonly #ownsStore: boolean
  /**
   * execution-model.md guarantee 8: on SQLite a holder on this host whose pid is gone is taken over at once; on
   * PostgreSQL only when its lease expires (hosts sharing a name may have separate pid namespaces).
   */
  readonly #isGone: ((holder: { host: string; pid: number }) => boolean) | undefined
  readonly #retention: Retention | null
  /** Called when a runner stops holding an execution, or when this process made work for workers (a child). */
  onCapacity: (() => void) | null = null
  /** Wraps every attempt's body run by this engine (for example to make a tracing span current). */
  aroundAttempt: AroundAttempt | null = null

  constructor(options: EngineOptions) {
    this.store = options.store
    this.actions = options.actions ?? createActionRegistry()
    this.clock = options.clock ?? systemClock
    this.#random = options.random ?? Math.random
    this.logger = options.logger ?? silentLogger
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
    this.#ownsStore = options.ownsStore ?? false
    this.#isGone = this.store.dialect === 'sqlite' ? isGoneHere : undefined
    if (!Number.isFinite(this.leaseMs) || this.leaseMs < 100) {
      throw new InvalidOptionError('leaseMs', `must be at least 100; got ${this.leaseMs}`)
    }
    this.holder = { id: `${hostname()}:${process.pid}:${randomText(8)}`, host: hostname(), pid: process.pid }
    this.events = new EventBus((error, event) =>
      this.logger.error({ err: error, event }, 'an event subscriber threw; delivery goes on'),
    )
    for (const workflow of options.workflows ?? []) this.register(workflow)
    this.#host = {
      store: this.store,
      clock: this.clock,
      random: this.#random,
      actions: this.actions,
      bus: this.events,
      logger: this.logger,
      runChild: (parent, attempt, signal) =>
        this.#runChild({ id: parent.id, workflow: parent.workflow }, attempt, signal, 'attached'),
      aroundAttempt: () => this.aroundAttempt,
      committed: (runner, events) => this.#committed(runner, events),
      detached: (runner, reason, error) => this.#detached(runner, reason, error),
    }
    this.#retention = options.retention === undefined ? null : startRetention(this, options.retention)
  }

  /** Makes a workflow startable by name, and registers the action functions a builder workflow carries. */
  register(workflow: Workflow): void {
    this.#workflows.set(workflow.name, workflow)
    const functions = (workflow as { [WORKFLOW_ACTIONS]?: ReadonlyMap<string, unknown> })[WORKFLOW_ACTIONS]
    for (const [name, fn] of functions ?? []) {
      if (this.actions.find(name) !== fn) this.actions.register(name, fn as AnyAction, `workflow ${workflow.name}`)
    }
  }

  /** The registered workflow with that name, if any. */
  findWorkflow(name: string): Workflow | undefined {
    return this.#workflows.get(name)
  }

  /** Creates an execution and runs it in this process. With an `id` that exists, follows that execution. */
  async start(
    workflowOrName: Workflow | string,
    inputs: Record<string, unknown> = {},
    options: StartOptions = {},
  ): Promise<ExecutionHandle> {
    // Created held by this engine: nothing to acquire and nothing to load; it starts from its new row.
    const result = await this.#create(workflowOrName, inputs, options, true)
    const id = result.execution.id
    if (result.created && result.lease !== undefined) {
      const runner = this.#hold({ execution: result.execution, steps: [], iterations: [], signals: [] }, result.lease)
      await runner.dispatch({ kind: 'start' })
    } else await this.#attach(id, 'start')
    return this.#handle(id)
  }

  /**
   * Creates the execution without running it here (detached: a worker runs it). Returns the record; when the id
   * exists with the same workflow and inputs, returns that one.
   */
  async create(
    workflowOrName: Workflow | string,
    inputs: Record<string, unknown> = {},
    options: StartOptions = {},
  ): Promise<ExecutionRecord> {
    return (await this.#create(workflowOrName, inputs, options, false)).execution
  }

  async #create(
    workflowOrName: Workflow | string,
    inputs: Record<string, unknown>,
    options: StartOptions,
    held: boolean,
  ): Promise<CreateResult> {
    this.#assertOpen()
    const workflow = typeof workflowOrName === 'string' ? this.#workflow(workflowOrName) : workflowOrName
    if (typeof workflowOrName !== 'string' && !this.#workflows.has(workflow.name)) this.register(workflow)
    const resolved = resolveInputs(workflow, inputs)
    const id = options.id ?? newExecutionId()
    if (!EXECUTION_ID_PATTERN.test(id)) {
      throw new InvalidOptionError('--id', `"${id}" must be 1 to 128 characters of A-Z a-z 0-9 _ . : -`)
    }
    const result = await this.store.createExecution({
      id,
      workflow,
      inputs: resolved,
      createdAt: this.clock.now(),
      parentId: options.parent?.id ?? null,
      parentStep: options.parent?.step ?? null,
      parentIndex: options.parent?.index ?? null,
      ...(held ? { holder: { identity: this.holder, leaseMs: this.leaseMs } } : {}),
    })
    if (!result.created) {
      const existing = result.execution
      if (existing.workflow !== workflow.name) throw new IdConflictError(id, `for workflow "${existing.workflow}"`)
      if (!jsonEqual(existing.inputs, resolved)) throw new IdConflictError(id, 'with other inputs')
    }
    return result
  }

  /** Starts and waits for the end. */
  async run(
    workflowOrName: Workflow | string,
    inputs: Record<string, unknown> = {},
    options: StartOptions & { timeoutMs?: number } = {},
  ): Promise<Execution> {
    const handle = await this.start(workflowOrName, inputs, options)
    return handle.result({ timeoutMs: options.timeoutMs })
  }

  /** A handle on an existing execution (to wait for its end), wherever it runs. */
  handle(id: string): ExecutionHandle {
    return this.#handle(id)
  }

  /** The execution with its steps. Throws ExecutionNotFoundError. */
  async get(id: string): Promise<Execution> {
    const execution = await this.find(id)
    if (execution === undefined) throw new ExecutionNotFoundError(id)
    return execution
  }

  async find(id: string): Promise<Execution | undefined> {
    const found = await this.store.readExecution(id)
    return found === undefined ? undefined : toExecutionView(found.execution, found.steps, found.iterations)
  }

  list(filter: ExecutionFilter = {}): Promise<ExecutionSummary[]> {
    return this.store.listExecutions(filter)
  }

  /** Stores a signal for the execution; the process that runs it takes it (a `wait` step, now or later). */
  async signal(id: string, topic: string, data: unknown = null): Promise<TrellisEvent> {
    const event = await this.store.appendSignal(id, topic, data, this.clock.now())
    this.events.publish([event])
    void this.#runners.get(id)?.dispatch(() => this.#refreshInbox(id))
    return event
  }

  /** Pauses: running attempts finish, nothing new starts. Returns once the request is stored (or applied). */
  async pause(id: string, reason: string | null = null): Promise<void> {
    const record = await this.#record(id)
    if (record.status === 'paused') return
    if (isTerminalStatus(record.status)) {
      throw new InvalidStateError(
        id,
        record.status,
        `Cannot pause execution ${id}: it is ${record.status}. Ended executions cannot be paused.`,
      )
    }
    await this.#request(id, 'pause', reason)
  }

  /** Cancels: running and parked steps are cancelled and the execution ends `cancelled`; its children too. */
  async cancel(id: string, reason: string | null = null): Promise<void> {
    const record = await this.#record(id)
    if (record.status === 'cancelled') return
    if (isTerminalStatus(record.status)) {
      throw new InvalidStateError(
        id,
        record.status,
        `Cannot cancel execution ${id}: it is ${record.status}. Ended executions cannot be cancelled.`,
      )
    }
    await this.#request(id, 'cancel', reason)
    for (const child of await this.store.listChildren(id)) {
      if (!isTerminalStatus(child.status)) await this.cancel(child.id, reason ?? 'parent cancelled')
    }
  }

  /**
   * Un-pauses a paused execution, or continues an interrupted one in this process. An execution a live process
   * holds is not taken over: the request is stored and that process applies it. Returns a handle to follow it.
   */
  async resume(id: string): Promise<ExecutionHandle> {
    const record = await this.#record(id)
    if (isTerminalStatus(record.status)) return this.#handle(id)
    const runner = this.#runners.get(id)
    if (runner !== undefined) {
      await runner.dispatch({ kind: 'resume' })
      return this.#handle(id)
    }
    if (record.status === 'paused' || record.requests.pause !== undefined) {
      await this.store.request(id, 'resume', null, this.clock.now())
    }
    await this.#attach(id, 'recover')
    return this.#handle(id)
  }

  /** Runs a failed execution again from its failed steps, same id. Throws InvalidStateError unless it failed. */
  async retry(id: string): Promise<ExecutionHandle> {
    const record = await this.#record(id)
    if (record.status !== 'failed') {
      throw new InvalidStateError(
        id,
        record.status,
        `Cannot retry execution ${id}: it is ${record.status}. Only failed executions can be retried.`,
      )
    }
    const lease = await this.store.acquire(id, this.holder, this.clock.now(), this.leaseMs, this.#isGone)
    if (lease === undefined)
      throw new InvalidStateError(id, record.status, `Cannot retry execution ${id}: another process holds it.`)
    const runner = await this.#runnerFor(id, lease, 'retry')
    await runner.dispatch({ kind: 'retry' })
    return this.#handle(id)
  }

  /**
   * Decides on an execution nobody holds (detached), under its row lock, in one transaction with its attempt rows:
   * how workers start executions, follow attempts' ends and wake timers, and how requesters apply operator requests
   * (typescript-api.md). With `due` it starts or catches up an execution `Store.findDue` named, unless another
   * worker is at it or did it already. `ended` is the attempt whose end `input` reports (refused with `lease-lost` when its lease is
   * no longer current); `take` claims up to that many of the attempts the decision adds, for this engine's holder.
   * Publishes the committed events, and wakes this process's waiters when the execution ended.
   */
  async decideUnheld(
    id: string,
    input: DetachedInput,
    options: { ended?: ClaimedAttempt; take?: number } = {},
  ): Promise<DecideUnheldResult> {
    let status: ExecutionStatus | null = null
    let kept: ExecutionState | null = null
    const now = this.clock.now()
    const expected = input === 'due' ? undefined : this.#detachedStates.peek(id)
    const result = await this.store.decideUnheld({
      executionId: id,
      now,
      ...(expected === undefined ? {} : { expected }),
      ...(input === 'due' ? { skipLocked: true, onlyIfDue: true } : {}),
      ...(this.#isGone === undefined ? {} : { isGone: this.#isGone }),
      ...(options.ended === undefined ? {} : { ended: options.ended }),
      ...(options.take === undefined
        ? {}
        : { take: { holder: this.holder, limit: options.take, leaseMs: this.leaseMs } }),
      decide: async (context) => {
        // The state this process left at its last decision on this execution, when nobody has committed since.
        const cached = input === 'due' ? undefined : this.#detachedStates.take(id, context.version, context.inbox)
        let state: ExecutionState
        let remove: { step: string; index: number | null }[] = []
        if (cached !== undefined) state = cached
        else {
          const { loaded, attempts } = await context.load()
          ;({ state, expired: remove } = detachedState(loaded, attempts, { now, dropExpired: input === 'due' }))
        }
        const decided = decideDetached(state, remove, input, { now, random: this.#random })
        status = decided.status
        kept = state
        return decided.decision
      },
    })
    if (result.outcome === 'decided') {
      if (result.events.length > 0) this.events.publish(result.events)
      if (status !== null && isTerminalStatus(status)) this.#resolveWaiters(id)
      else if (kept !== null) this.#detachedStates.put(id, result.version, kept)
    }
    return result
  }

  /** Carries out an attempt a worker claimed: its action, or the child execution of a `workflow` step. */
  performClaimed(attempt: ClaimedAttempt, controller: AbortController): Promise<AttemptOutcome | null> {
    return performAttempt(
      {
        clock: this.clock,
        actions: this.actions,
        logger: this.logger,
        aroundAttempt: this.aroundAttempt,
        runChild: async (child, signal) => {
          const parent = await this.#record(child.executionId)
          return this.#runChild({ id: parent.id, workflow: parent.definition }, child, signal, 'detached')
        },
      },
      attempt,
      controller,
    )
  }

  /** The same-host "holder is gone" test this engine uses (SQLite), or undefined (PostgreSQL: lease expiry only). */
  get isGone(): ((holder: { host: string; pid: number }) => boolean) | undefined {
    return this.#isGone
  }

  /** Deletes ended executions that ended before `cutoff` (epoch ms), with their events; returns how many. */
  gc(cutoff: number): Promise<number> {
    return this.store.deleteEndedBefore(cutoff)
  }

  /** Executions held by this process now. */
  get held(): number {
    return this.#runners.size
  }

  /** Earliest timer among executions nobody holds (for a worker's one wake-up). */
  nextUnheldWakeAt(): Promise<number | null> {
    return this.store.nextUnheldWakeAt(this.clock.now())
  }

  /** Stops cleanly: running attempts are aborted and stay resumable; leases are released so others take over. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#retention?.stop()
    const runners = [...this.#runners.values()]
    for (const runner of runners) runner.stop()
    await Promise.allSettled(runners.map((r) => r.idle()))
    await Promise.allSettled([...runners.map((r) => this.store.release(r.lease)), ...this.#releasing])
    this.#runners.clear()
    this.#timer?.cancel()
    this.#heartbeat?.()
    this.#unwatch?.()
    for (const waiters of this.#waiters.values()) for (const w of waiters) w.reject(new EngineClosedError())
    this.#waiters.clear()
    if (this.#ownsStore) await this.store.close()
  }

  // --- holding executions --------------------------------------------------------------------------------

  async #attach(id: string, first: 'start' | 'recover'): Promise<void> {
    if (this.#runners.has(id)) return
    const lease = await this.store.acquire(id, this.holder, this.clock.now(), this.leaseMs, this.#isGone)
    if (lease === undefined) return this.#watch() // a live process holds it: follow from afar
    const runner = await this.#runnerFor(id, lease)
    await runner.dispatch({ kind: runner.state.status === 'pending' ? 'start' : first === 'start' ? 'recover' : first })
  }

  async #runnerFor(id: string, lease: Lease, purpose: 'run' | 'retry' = 'run'): Promise<ExecutionRunner> {
    const loaded = await this.store.loadExecution(id)
    if (loaded === undefined) throw new ExecutionNotFoundError(id)
    const runner = this.#hold(loaded, lease)
    // An ended execution has nothing to run (a failed one only for `retry`): hand it back at once.
    if (isTerminalStatus(runner.state.status) && !(purpose === 'retry' && runner.state.status === 'failed')) {
      runner.stop()
      this.#runners.delete(id)
      await this.store.release(lease)
      this.#resolveWaiters(id)
    }
    return runner
  }

  /** A runner for an execution this engine holds now, from its loaded rows. */
  #hold(loaded: LoadedExecution, lease: Lease): ExecutionRunner {
    const runner = new ExecutionRunner(this.#host, new ExecutionState(loaded), lease)
    this.#runners.set(runner.id, runner)
    this.#startHeartbeat()
    this.#watch()
    return runner
  }

  #committed(runner: ExecutionRunner, events: readonly TrellisEvent[]): void {
    void events
    this.#armTimer()
  }

  #detached(runner: ExecutionRunner, reason: 'ended' | 'lease-lost' | 'error' | 'closed', error?: unknown): void {
    if (this.#runners.get(runner.id) === runner) this.#runners.delete(runner.id)
    switch (reason) {
      case 'ended': {
        // Not waited for by the waiters (they are woken from the state at once), but by `close()`.
        const releasing = this.store
          .release(runner.lease)
          .catch((e: unknown) => this.logger.warn({ err: e, execution_id: runner.id }, 'could not release a lease'))
          .finally(() => this.#releasing.delete(releasing))
        this.#releasing.add(releasing)
        // Its last decision is committed: the state is what the store holds, so no read back.
        this.#resolveWaiters(runner.id, () => stateView(runner.state))
        break
      }
      case 'lease-lost':
        this.logger.warn({ err: error, execution_id: runner.id }, 'lease lost: another process runs this execution now')
        break
      case 'error':
        this.logger.error({ err: error, execution_id: runner.id }, 'internal error while running an execution')
        void this.#failInternally(runner, error)
        break
      case 'closed':
        break
    }
    this.#armTimer()
    this.onCapacity?.()
  }

  /** execution-model.md guarantee 7: an internal error ends the execution `failed`, and waiters are woken. */
  async #failInternally(runner: ExecutionRunner, error: unknown): Promise<void> {
    const message = `Internal error: ${error instanceof Error ? error.message : String(error)}`
    try {
      const now = this.clock.now()
      const record = await this.store.findExecution(runner.id)
      if (record !== undefined && !isTerminalStatus(record.status)) {
        const failure = { step: null, code: 'INTERNAL', message }
        await this.store.commit(
          runner.lease,
          {
            execution: { status: 'failed', error: failure, completedAt: now, wakeAt: null, deadlineAt: null },
            events: [{ type: 'execution.failed', step: null, attempt: null, index: null, data: { error: failure } }],
          },
          now,
        )
      }
      await this.store.release(runner.lease)
      this.#resolveWaiters(runner.id)
    } catch (second) {
      this.logger.error({ err: second, execution_id: runner.id }, 'could not record the internal error')
      for (const waiter of this.#waiters.get(runner.id) ?? []) waiter.reject(error)
      this.#waiters.delete(runner.id)
    }
  }

  // --- timers, heartbeat and news from other processes ---------------------------------------------------

  /** Keeps one timer for the earliest wake-up of every execution held here (no scan on an interval). */
  #armTimer(): void {
    if (this.#closed) return
    let next: number | null = null
    for (const runner of this.#runners.values()) {
      const at = runner.state.wakeAt
      if (at !== null && (next === null || at < next)) next = at
    }
    if (this.#timer !== null && this.#timer.at === next) return
    this.#timer?.cancel()
    this.#timer = null
    if (next === null) return
    const at = next
    const cancel = this.clock.setTimer(at - this.clock.now(), () => {
      this.#timer = null
      const now = this.clock.now()
      for (const runner of this.#runners.values()) {
        const wakeAt = runner.state.wakeAt
        if (wakeAt !== null && wakeAt <= now) void runner.dispatch({ kind: 'timers' })
      }
      this.#armTimer()
    })
    this.#timer = { at, cancel }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== null || this.#closed) return
    const beat = (): void => {
      if (this.#runners.size === 0) {
        this.#heartbeat = null
        return
      }
      this.#heartbeat = this.clock.setTimer(Math.floor(this.leaseMs / 3), () => {
        void this.store
          .renewAll(this.holder.id, this.clock.now(), this.leaseMs)
          .then((held) => {
            for (const runner of [...this.#runners.values()]) {
              if (!held.has(runner.id)) {
                runner.stop()
                this.#detached(runner, 'lease-lost')
              }
            }
          })
          .catch((error: unknown) => this.logger.warn({ err: error }, 'lease renewal failed; will try again'))
          .finally(beat)
      })
    }
    beat()
  }

  /** Subscribes to other processes' commits while this engine holds or follows anything. */
  #watch(): void {
    if (this.#unwatch !== null || this.#closed) return
    this.#unwatch = this.store.onExternalChange(() => this.#externalChange())
  }

  #externalChange(): void {
    if (this.#checking !== null) {
      this.#recheck = true
      return
    }
    this.#checking = this.#checkNews()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not read news from other processes'))
      .finally(() => {
        this.#checking = null
        if (this.#recheck) {
          this.#recheck = false
          this.#externalChange()
        }
      })
    if (this.#runners.size === 0 && this.#waiters.size === 0 && this.onCapacity === null) {
      this.#unwatch?.()
      this.#unwatch = null
    }
  }

  async #checkNews(): Promise<void> {
    if (this.#runners.size > 0) {
      const inboxes = await this.store.readInboxes(this.holder.id)
      for (const runner of this.#runners.values()) {
        const inbox = inboxes.get(runner.id)
        if (inbox !== undefined && inbox > runner.state.seenInbox)
          void runner.dispatch(() => this.#refreshInbox(runner.id))
      }
    }
    for (const id of this.#waiters.keys()) {
      if (this.#runners.has(id)) continue
      const record = await this.store.findExecution(id)
      if (record === undefined || isTerminalStatus(record.status)) this.#resolveWaiters(id)
    }
    this.onCapacity?.()
  }

  /** Reads the signals and operator requests other processes stored for an execution held here. */
  async #refreshInbox(id: string): Promise<{ kind: 'requests' } | null> {
    const runner = this.#runners.get(id)
    if (runner === undefined) return null
    const loaded = await this.store.loadExecution(id)
    if (loaded === undefined) return null
    const state = runner.state
    const known = new Set(state.signals.map((s) => s.id))
    const consumed = new Set(state.consumedSignals.map((s) => s.id))
    for (const signal of loaded.signals)
      if (!known.has(signal.id) && !consumed.has(signal.id)) state.signals.push(signal)
    state.signals.sort((a, b) => a.id - b.id)
    state.requests = loaded.execution.requests
    if (loaded.execution.inbox !== state.seenInbox) {
      state.seenInbox = loaded.execution.inbox
      state.patch({ seenInbox: state.seenInbox })
    }
    void runner.dispatch({ kind: 'signals' })
    return { kind: 'requests' }
  }

  // --- operator requests ---------------------------------------------------------------------------------

  async #request(id: string, kind: 'pause' | 'cancel', reason: string | null): Promise<void> {
    const runner = this.#runners.get(id)
    if (runner !== undefined) {
      await runner.dispatch(kind === 'pause' ? { kind: 'pause', reason } : { kind: 'cancel', reason })
      return
    }
    await this.store.request(id, kind, reason, this.clock.now())
    // Nobody holds it: the requester applies the request itself (typescript-api.md); a holder applies its own.
    await this.decideUnheld(id, { kind: 'requests' })
  }

  // --- waiting for the end -------------------------------------------------------------------------------

  #handle(id: string): ExecutionHandle {
    return { id, result: (options) => this.#result(id, options?.timeoutMs) }
  }

  async #result(id: string, timeoutMs?: number): Promise<Execution> {
    const ended = new Promise<Execution>((resolve, reject) => {
      let set = this.#waiters.get(id)
      if (set === undefined) this.#waiters.set(id, (set = new Set()))
      const waiter: Waiter = {
        resolve: (execution) => {
          cancel?.()
          resolve(execution)
        },
        reject: (error) => {
          cancel?.()
          // Whatever ended the wait (a store error, a closed engine) goes to the caller unchanged.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error)
        },
      }
      set.add(waiter)
      const cancel =
        timeoutMs === undefined
          ? null
          : this.clock.setTimer(timeoutMs, () => {
              set.delete(waiter)
              if (set.size === 0) this.#waiters.delete(id)
              reject(new ResultTimeoutError(id, timeoutMs))
            })
    })
    // The caller gets `ended` below; until then nobody holds it, and an early rejection must not count as unhandled.
    ended.catch(() => {})
    this.#watch()
    // Held here: the runner wakes the waiters when it ends (or, should it lose the lease, the news from the new holder).
    if (this.#runners.has(id)) return ended
    // A waiter that asks after the end gets the answer at once (guarantee 7).
    const record = await this.store.findExecution(id)
    if (record === undefined) {
      this.#waiters.delete(id)
      throw new ExecutionNotFoundError(id)
    }
    if (isTerminalStatus(record.status) && !this.#runners.has(id)) this.#resolveWaiters(id)
    return ended
  }

  /** Wakes the waiters of an ended execution with its view (read from the store unless `known` gives it). */
  #resolveWaiters(id: string, known?: () => Execution): void {
    const waiters = this.#waiters.get(id)
    if (waiters === undefined) return
    this.#waiters.delete(id)
    const found = known === undefined ? this.find(id) : new Promise<Execution>((resolve) => resolve(known()))
    found.then(
      (execution) => {
        for (const w of waiters) {
          if (execution === undefined) w.reject(new ExecutionNotFoundError(id))
          else w.resolve(execution)
        }
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error)
      },
    )
  }

  // --- children ------------------------------------------------------------------------------------------

  /**
   * Runs the child execution of a `workflow` step (id `<parent>:<step>[:<index>]`) and resolves with its outputs.
   * Attached, this process runs the child too; detached (a worker's attempt), the child is created for any worker.
   * A new attempt of a step whose child failed retries that child (same id); one that is running is followed.
   */
  async #runChild(
    parent: { id: string; workflow: Workflow },
    attempt: AttemptToRun,
    signal: AbortSignal,
    mode: 'attached' | 'detached',
  ): Promise<unknown> {
    const ref = attempt.target
    const child = Object.hasOwn(parent.workflow.children, ref)
      ? parent.workflow.children[ref]
      : this.#workflows.get(ref)
    if (child === undefined) {
      throw Object.assign(new Error(`No workflow "${ref}" is registered.`), { code: 'NOT_FOUND', retryable: false })
    }
    const id = `${parent.id}:${attempt.step}${attempt.index === null ? '' : `:${attempt.index}`}`
    const input = (attempt.input ?? {}) as Record<string, unknown>
    let record: ExecutionRecord
    try {
      record = await this.create(child, input, {
        id,
        parent: { id: parent.id, step: attempt.step, index: attempt.index },
      })
    } catch (error) {
      throw Object.assign(error as Error, { retryable: false })
    }
    if (mode === 'attached') {
      if (record.status === 'failed') await this.retry(id)
      else await this.#attach(id, 'recover')
    } else {
      if (record.status === 'failed') await this.decideUnheld(id, { kind: 'retry' })
      this.onCapacity?.()
    }
    const onAbort = (): void => void this.cancel(id, 'parent step cancelled').catch(() => {})
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const execution = await this.#result(id)
      if (execution.status === 'completed') return execution.outputs
      const error = execution.error
      throw Object.assign(new Error(error?.message ?? `Child execution ${id} ended ${execution.status}.`), {
        code: error?.code ?? (execution.status === 'cancelled' ? 'CANCELLED' : 'ACTION_FAILED'),
      })
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  // --- small helpers -------------------------------------------------------------------------------------

  #workflow(name: string): Workflow {
    const workflow = this.#workflows.get(name)
    if (workflow === undefined) throw new UnknownWorkflowError(name, [...this.#workflows.keys()])
    return workflow
  }

  async #record(id: string): Promise<ExecutionRecord> {
    const record = await this.store.findExecution(id)
    if (record === undefined) throw new ExecutionNotFoundError(id)
    return record
  }

  #assertOpen(): void {
    if (this.#closed) throw new EngineClosedError()
  }
}

/** A holder on this host whose process no longer exists is gone: take over at once (typescript-api.md). */
export function isGoneHere(holder: { host: string; pid: number }): boolean {
  if (holder.host !== hostname()) return false
  if (holder.pid === process.pid) return false
  try {
    process.kill(holder.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
