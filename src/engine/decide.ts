import type { StepSpec } from '../definition/index.js'
import { evaluateCondition, renderString, renderValue, type TemplateScope } from '../expressions/index.js'
import type { EventDataMap, EventType, ExecutionErrorInfo, PendingEvent, SkipReason } from '../events/index.js'
import { isTerminalStatus } from '../store/index.js'
import { errorInfoOf, formatDuration, parseDuration, type ErrorInfo } from '../util/index.js'
import { retryDelayMs } from './retry-delay.js'
import { inFlightKey, isDecided, type ExecutionState, type IterationState, type StepState } from './state.js'

/** How an attempt ended. */
export type AttemptOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: ErrorInfo; readonly retryable: boolean }

/** What happened, as the runner tells `decide()`. */
export type DecisionInput =
  | { readonly kind: 'start' }
  /** This process just took the execution over (resume, worker claim, restart): continue from the last commit. */
  | { readonly kind: 'recover' }
  | {
      readonly kind: 'attempt-ended'
      readonly step: string
      readonly index: number | null
      readonly attempt: number
      readonly outcome: AttemptOutcome
    }
  /** Fire every timer due at `now`. */
  | { readonly kind: 'timers' }
  /** Deliver the untaken signals in `state.signals` to waiting steps. */
  | { readonly kind: 'signals' }
  /** Apply the operator requests in `state.requests`. */
  | { readonly kind: 'requests' }
  | { readonly kind: 'pause'; readonly reason: string | null }
  | { readonly kind: 'resume' }
  | { readonly kind: 'cancel'; readonly reason: string | null }
  | { readonly kind: 'retry' }

/** Something the runner must do after the decision is committed. */
export type Command =
  | {
      readonly kind: 'start-attempt'
      readonly step: string
      readonly index: number | null
      readonly attempt: number
      readonly spec: Extract<StepSpec, { kind: 'action' | 'workflow' }>
      readonly input: unknown
      readonly timeoutMs: number | null
    }
  | { readonly kind: 'abort-attempt'; readonly step: string; readonly index: number | null; readonly reason: ErrorInfo }

/** The events to commit with the state change, and what to do after the commit. */
export interface Decision {
  readonly events: PendingEvent[]
  readonly commands: Command[]
}

/** Time and randomness, passed in so decisions are deterministic. */
export interface DecideEnv {
  readonly now: number
  readonly random: () => number
}

/**
 * Applies one input to an execution's state. Every scheduling rule of workflow-format.md lives here: readiness
 * from needs/needs_any/transitions, `when`, skipping and its propagation, retries, `for_each`, `publish`,
 * handled and unhandled failures, pause, suspension, completion and outputs. No I/O, no clock reads, no
 * randomness of its own. The state is changed in place and its changed rows marked; the runner commits them
 * with the returned events, then carries out the commands.
 */
export function decide(state: ExecutionState, input: DecisionInput, env: DecideEnv): Decision {
  const decider = new Decider(state, env)
  decider.apply(input)
  return { events: decider.events, commands: decider.commands }
}

class Decider {
  readonly events: PendingEvent[] = []
  readonly commands: Command[] = []
  /** A fail_fast failure is ending the execution: nothing new starts. */
  #ending = false

  private readonly state: ExecutionState
  private readonly env: DecideEnv

  constructor(state: ExecutionState, env: DecideEnv) {
    this.state = state
    this.env = env
  }

  apply(input: DecisionInput): void {
    const s = this.state
    if (isTerminalStatus(s.status) && input.kind !== 'retry') return
    switch (input.kind) {
      case 'start':
        this.start()
        break
      case 'recover':
        this.recover()
        break
      case 'attempt-ended':
        this.attemptEnded(input.step, input.index, input.attempt, input.outcome)
        break
      case 'timers':
        this.fireTimers()
        break
      case 'signals':
        this.deliverSignals()
        break
      case 'requests':
        this.applyRequests()
        break
      case 'pause':
        this.requestPause(input.reason)
        break
      case 'resume':
        this.resume()
        break
      case 'cancel':
        this.end('cancelled', { reason: input.reason })
        break
      case 'retry':
        this.retry()
        break
    }
    this.settle()
    const wakeAt = s.status === 'paused' || isTerminalStatus(s.status) ? null : s.nextWakeAt()
    if (wakeAt !== s.wakeAt) {
      s.wakeAt = wakeAt
      s.patch({ wakeAt })
    }
  }

  // --- starting and recovering ---------------------------------------------------------------------------

  private start(): void {
    const s = this.state
    if (s.status !== 'pending') return
    s.status = 'running'
    s.startedAt = this.env.now
    s.deadlineAt = s.workflow.timeoutMs === null ? null : this.env.now + s.workflow.timeoutMs
    s.patch({ status: 'running', startedAt: s.startedAt, deadlineAt: s.deadlineAt })
    this.emit('execution.started', null, null, null, { inputs: { ...s.inputs } })
    try {
      const vars = renderValue(s.workflow.vars, { inputs: s.inputs }) as Record<string, unknown>
      s.vars = { ...vars }
      s.patch({ vars: s.vars })
    } catch (error) {
      this.end('failed', { error: { step: null, ...expressionError(error) } })
      return
    }
    for (const name of s.index.roots) this.consider(name)
  }

  private recover(): void {
    const s = this.state
    if (s.status === 'pending') return this.start()
    this.applyRequests()
    if (isTerminalStatus(s.status)) return
    this.restartOrphans()
    this.rescan()
    this.fireTimers()
    this.deliverSignals()
  }

  /**
   * execution-model.md guarantee 8: an attempt that was running when its process died is started again as a new
   * attempt; the cut attempt writes no end event and does not count against `max_attempts`.
   */
  private restartOrphans(): void {
    const s = this.state
    if (!this.canStartNew()) return
    for (const name of [...s.live]) {
      const step = s.step(name)
      if (step.status !== 'running') continue
      if (step.iterations !== null) {
        for (const it of step.iterations) {
          if (it.status === 'running' && !s.inFlight.has(inFlightKey(name, it.index))) this.startAttempt(step, it)
        }
      } else if (!s.inFlight.has(name)) {
        this.startAttempt(step, null)
      }
    }
  }

  /** Considers every pending step (after a resume, retry or recovery); otherwise readiness is incremental. */
  private rescan(): void {
    for (const name of this.state.steps.keys()) this.consider(name)
    for (const step of this.state.steps.values()) {
      if (step.status === 'running' && step.items !== null) this.launchIterations(step)
    }
  }

  // --- readiness -----------------------------------------------------------------------------------------

  private canStartNew(): boolean {
    const s = this.state
    return !this.#ending && s.pauseRequested === null && (s.status === 'running' || s.status === 'suspended')
  }

  /** Decides a pending step: start it, skip it, or leave it waiting for its incoming edges. */
  private consider(name: string): void {
    const s = this.state
    const step = s.step(name)
    if (step.status !== 'pending' || isTerminalStatus(s.status)) return
    const readiness = this.readiness(name)
    if (readiness === 'skip') this.skip(step, 'upstream')
    else if (readiness === 'ready' && this.canStartNew()) this.startStep(step)
  }

  private readiness(name: string): 'ready' | 'skip' | 'wait' {
    const s = this.state
    const idx = s.index.steps.get(name)!
    const spec = idx.spec
    // `needs`: counters kept by setStatus, O(1) however many steps this one needs.
    const step = s.step(name)
    if (step.failedNeeds > 0) return 'skip'
    let waiting = step.unmetNeeds > 0
    if (spec.needsAny.length > 0) {
      let any = false
      let allDecided = true
      for (const need of spec.needsAny) {
        const status = s.step(need).status
        if (status === 'completed') any = true
        else if (!isDecided(status)) allDecided = false
      }
      if (!any) {
        if (allDecided) return 'skip'
        waiting = true
      }
    }
    if (idx.incoming.length > 0) {
      let fired = false
      let allDecided = true
      for (const t of idx.incoming) {
        const source = s.step(t.source)
        if (!isDecided(source.status)) allDecided = false
        else if (transitionFires(t.key, source)) fired = true
      }
      if (!fired) {
        if (allDecided) return 'skip'
        waiting = true
      }
    }
    return waiting ? 'wait' : 'ready'
  }

  private propagate(step: StepState): void {
    for (const name of this.state.index.steps.get(step.name)!.dependents) this.consider(name)
  }

  // --- running steps -------------------------------------------------------------------------------------

  private startStep(step: StepState): void {
    const s = this.state
    const spec = s.workflow.steps[step.name]!
    this.wakeIfSuspended()
    if (spec.when !== null) {
      let ok: boolean
      try {
        ok = evaluateCondition(spec.when, this.scope())
      } catch (error) {
        return this.failStep(step, expressionError(error), null)
      }
      if (!ok) return this.skip(step, 'condition')
    }
    step.startedAt = this.env.now
    switch (spec.kind) {
      case 'action':
      case 'workflow': {
        if (spec.forEach === null) return this.startAttempt(step, null)
        let items: unknown
        try {
          items = renderString(spec.forEach, this.scope())
        } catch (error) {
          return this.failStep(step, expressionError(error), null)
        }
        if (!Array.isArray(items)) {
          return this.failStep(
            step,
            { code: 'EXPRESSION_ERROR', message: `for_each must give an array, got ${describeType(items)}` },
            null,
          )
        }
        step.items = items
        step.iterations = []
        s.setStatus(step, 'running')
        if (items.length === 0) return this.completeStep(step, [], null)
        return this.launchIterations(step)
      }
      case 'sleep': {
        let ms: number | undefined
        try {
          ms = parseDuration(typeof spec.sleep === 'string' ? renderString(spec.sleep, this.scope()) : spec.sleep)
        } catch (error) {
          return this.failStep(step, expressionError(error), null)
        }
        if (ms === undefined) {
          return this.failStep(
            step,
            { code: 'EXPRESSION_ERROR', message: `sleep needs a duration, got "${String(spec.sleep)}"` },
            null,
          )
        }
        step.wakeAt = this.env.now + ms
        s.timed.add(step.name)
        s.setStatus(step, 'waiting')
        this.emit('step.waiting', step.name, null, null, { kind: 'sleep', wake_at: iso(step.wakeAt) })
        return
      }
      case 'wait': {
        let topic: string
        try {
          topic = String(renderString(spec.signal, this.scope()))
        } catch (error) {
          return this.failStep(step, expressionError(error), null)
        }
        step.topic = topic
        const signal = this.takeSignal(topic, step.name)
        if (signal !== undefined) return this.completeStep(step, signal.data, null)
        step.wakeAt = spec.waitTimeoutMs === null ? null : this.env.now + spec.waitTimeoutMs
        if (step.wakeAt !== null) s.timed.add(step.name)
        s.setStatus(step, 'waiting')
        this.emit('step.waiting', step.name, null, null, {
          kind: 'signal',
          topic,
          wake_at: step.wakeAt === null ? null : iso(step.wakeAt),
        })
        return
      }
      case 'pause': {
        let reason: string
        try {
          reason = String(renderString(spec.reason, this.scope()))
        } catch (error) {
          return this.failStep(step, expressionError(error), null)
        }
        step.reason = reason
        s.setStatus(step, 'paused')
        this.emit('step.waiting', step.name, null, null, { kind: 'pause', reason })
        return
      }
    }
  }

  /** Starts the next attempt of a step or iteration: commits `step.started`, then the runner runs it. */
  private startAttempt(step: StepState, it: IterationState | null): void {
    const s = this.state
    const spec = s.workflow.steps[step.name]!
    if (spec.kind !== 'action' && spec.kind !== 'workflow') return
    const target = it ?? step
    target.attempts++
    if (it !== null) step.attempts++
    const attempt = target.attempts
    target.startedAt ??= this.env.now
    target.wakeAt = null
    target.remainingMs = null
    if (it !== null) {
      if (it.status === 'pending') step.activeIterations++
      it.status = 'running'
      s.touchIteration(step, it)
      s.touch(step)
    } else {
      s.setStatus(step, 'running')
    }
    this.refreshTimed(step)
    this.emit(
      'step.started',
      step.name,
      attempt,
      it?.index ?? null,
      it === null ? { attempt } : { attempt, index: it.index },
    )
    const key = inFlightKey(step.name, it?.index ?? null)
    s.inFlight.add(key)
    let input: unknown
    try {
      input = renderValue(
        spec.with,
        this.scope(it === null ? { attempt } : { attempt, item: step.items?.[it.index] ?? null, index: it.index }),
      )
    } catch (error) {
      // workflow-format.md: an expression error fails the step at once, with no retry.
      s.inFlight.delete(key)
      return this.attemptFailed(step, it, attempt, expressionError(error), false)
    }
    this.commands.push({
      kind: 'start-attempt',
      step: step.name,
      index: it?.index ?? null,
      attempt,
      spec,
      input,
      timeoutMs: spec.timeoutMs,
    })
  }

  private launchIterations(step: StepState): void {
    const spec = this.state.workflow.steps[step.name]!
    const items = step.items
    if (items === null || step.iterations === null) return
    const limit = spec.concurrency ?? Number.POSITIVE_INFINITY
    while (
      this.canStartNew() &&
      step.status === 'running' &&
      step.activeIterations < limit &&
      step.iterations.length < items.length
    ) {
      const it: IterationState = {
        index: step.iterations.length,
        status: 'pending',
        attempts: 0,
        failures: 0,
        output: null,
        error: null,
        startedAt: null,
        completedAt: null,
        wakeAt: null,
        remainingMs: null,
      }
      step.iterations.push(it)
      this.startAttempt(step, it)
    }
  }

  private attemptEnded(name: string, index: number | null, attempt: number, outcome: AttemptOutcome): void {
    const s = this.state
    const step = s.steps.get(name)
    if (step === undefined) return
    const it = index === null ? null : (step.iterations?.[index] ?? null)
    const target = index === null ? step : it
    // A late result for an attempt that was cancelled or superseded changes nothing.
    if (target === null || target.status !== 'running' || target.attempts !== attempt) return
    s.inFlight.delete(inFlightKey(name, index))
    if (!outcome.ok) return this.attemptFailed(step, it, attempt, outcome.error, outcome.retryable)
    if (it === null) return this.completeStep(step, outcome.output, attempt)
    it.status = 'completed'
    it.output = outcome.output
    it.completedAt = this.env.now
    step.activeIterations--
    step.completedIterations++
    s.touchIteration(step, it)
    this.emit('step.completed', name, attempt, it.index, { output: outcome.output })
    const items = step.items ?? []
    if (step.completedIterations === items.length) {
      const outputs = step.iterations!.map((x) => x.output)
      return this.completeStep(step, outputs, null)
    }
    this.launchIterations(step)
  }

  private attemptFailed(
    step: StepState,
    it: IterationState | null,
    attempt: number,
    error: ErrorInfo,
    retryable: boolean,
  ): void {
    const s = this.state
    const spec = s.workflow.steps[step.name]!
    const target = it ?? step
    target.failures++
    const neverRetried = error.code === 'CANCELLED' || error.code === 'EXPRESSION_ERROR'
    if (retryable && !neverRetried && target.failures < spec.retry.maxAttempts) {
      const delay = retryDelayMs(spec.retry, target.failures, this.env.random)
      target.wakeAt = this.env.now + delay
      s.timed.add(step.name)
      if (it !== null) {
        it.status = 'retrying'
        s.touchIteration(step, it)
        s.touch(step)
      } else {
        s.setStatus(step, 'retrying')
      }
      this.emit('step.retrying', step.name, attempt, it?.index ?? null, { attempt, error, delay_ms: delay })
      return
    }
    if (it === null) return this.failStep(step, error, attempt)
    // workflow-format.md: a failed iteration stops the step; running ones are cancelled.
    it.status = 'failed'
    it.error = error
    it.completedAt = this.env.now
    step.activeIterations--
    s.touchIteration(step, it)
    this.cancelIterations(step, { code: 'CANCELLED', message: `iteration ${it.index} failed` })
    this.failStep(step, error, attempt)
  }

  private cancelIterations(step: StepState, reason: ErrorInfo): void {
    const s = this.state
    for (const other of step.iterations ?? []) {
      if (other.status !== 'running' && other.status !== 'retrying') continue
      if (other.status === 'running') {
        this.commands.push({ kind: 'abort-attempt', step: step.name, index: other.index, reason })
        s.inFlight.delete(inFlightKey(step.name, other.index))
      }
      other.status = 'cancelled'
      other.wakeAt = null
      other.completedAt = this.env.now
      step.activeIterations--
      s.touchIteration(step, other)
    }
  }

  private completeStep(step: StepState, output: unknown, attempt: number | null): void {
    const s = this.state
    const spec = s.workflow.steps[step.name]!
    const names = Object.keys(spec.publish)
    if (names.length > 0) {
      const published: Record<string, unknown> = {}
      try {
        const scope = this.scope({ result: output })
        for (const name of names) published[name] = renderValue(spec.publish[name]!, scope)
      } catch (error) {
        // workflow-format.md: a publish render error fails the step instead.
        return this.failStep(step, expressionError(error), attempt)
      }
      Object.assign(s.vars, published)
      s.patch({ vars: s.vars })
    }
    step.output = output
    step.completedAt = this.env.now
    step.wakeAt = null
    s.setStatus(step, 'completed')
    this.refreshTimed(step)
    this.emit('step.completed', step.name, attempt, null, { output })
    this.propagate(step)
  }

  private failStep(step: StepState, error: ErrorInfo, attempt: number | null): void {
    const s = this.state
    const spec = s.workflow.steps[step.name]!
    step.error = error
    step.completedAt = this.env.now
    step.wakeAt = null
    s.setStatus(step, 'failed')
    this.refreshTimed(step)
    const handled =
      spec.onFailure.length > 0 || spec.onComplete.length > 0 || (error.code === 'TIMEOUT' && spec.onTimeout.length > 0)
    this.emit('step.failed', step.name, attempt, null, { attempt, error, handled })
    if (!handled) {
      if (s.error === null) {
        s.error = { step: step.name, code: error.code, message: error.message }
        s.patch({ error: s.error })
      }
      if (s.workflow.failurePolicy === 'fail_fast') this.#ending = true
    }
    this.propagate(step)
    if (this.#ending && !isTerminalStatus(s.status)) this.end('failed', { error: s.error! })
  }

  private skip(step: StepState, reason: SkipReason): void {
    step.reason = reason
    this.state.setStatus(step, 'skipped')
    this.emit('step.skipped', step.name, null, null, { reason })
    this.propagate(step)
  }

  // --- timers and signals --------------------------------------------------------------------------------

  private fireTimers(): void {
    const s = this.state
    if (s.status === 'paused' || s.pauseRequested !== null || isTerminalStatus(s.status)) return
    const now = this.env.now
    if (s.deadlineAt !== null && s.deadlineAt <= now) {
      const limit = s.workflow.timeoutMs === null ? '' : ` after ${formatDuration(s.workflow.timeoutMs)}`
      this.end('failed', { error: { step: null, code: 'TIMEOUT', message: `The execution timed out${limit}.` } })
      return
    }
    for (const name of [...s.timed]) {
      const step = s.step(name)
      if (step.wakeAt !== null && step.wakeAt <= now) {
        this.wakeIfSuspended()
        step.wakeAt = null
        if (step.status === 'retrying') this.startAttempt(step, null)
        else if (step.status === 'waiting' && step.topic === null) this.completeStep(step, null, null)
        else if (step.status === 'waiting') {
          const spec = s.workflow.steps[name]!
          const limit =
            spec.kind === 'wait' && spec.waitTimeoutMs !== null ? ` within ${formatDuration(spec.waitTimeoutMs)}` : ''
          this.failStep(step, { code: 'TIMEOUT', message: `No signal "${step.topic}" arrived${limit}.` }, null)
        }
      }
      for (const it of timedIterationsOf(step)) {
        if (it.wakeAt !== null && it.wakeAt <= now && it.status === 'retrying' && step.status === 'running') {
          it.wakeAt = null
          this.startAttempt(step, it)
        }
      }
      this.refreshTimed(step)
      if (isTerminalStatus(s.status)) return
    }
  }

  private deliverSignals(): void {
    const s = this.state
    if (s.status === 'paused' || isTerminalStatus(s.status)) return
    for (const signal of [...s.signals]) {
      for (const name of s.live) {
        const step = s.step(name)
        if (step.status === 'waiting' && step.topic === signal.topic) {
          this.wakeIfSuspended()
          this.takeSignal(signal.topic, name)
          step.wakeAt = null
          this.completeStep(step, signal.data, null)
          break
        }
      }
    }
  }

  /** Takes the oldest untaken signal of `topic` for `step`, if there is one. */
  private takeSignal(topic: string, stepName: string): { data: unknown } | undefined {
    const s = this.state
    const i = s.signals.findIndex((x) => x.topic === topic)
    if (i < 0) return undefined
    const [signal] = s.signals.splice(i, 1)
    s.consumedSignals.push({ id: signal!.id, step: stepName })
    return signal
  }

  private refreshTimed(step: StepState): void {
    const hasTimer = step.wakeAt !== null || step.remainingMs !== null || step.timedIterations.size > 0
    if (hasTimer) this.state.timed.add(step.name)
    else this.state.timed.delete(step.name)
  }

  private wakeIfSuspended(): void {
    const s = this.state
    if (s.status !== 'suspended') return
    s.status = 'running'
    s.patch({ status: 'running' })
    this.emit('execution.resumed', null, null, null, { from: 'suspended' })
  }

  // --- operators -----------------------------------------------------------------------------------------

  private applyRequests(): void {
    const s = this.state
    const { cancel, pause, resume } = s.requests
    s.requests = {}
    if (cancel !== undefined) {
      s.clearedRequests.push('cancel', 'pause', 'resume')
      this.end('cancelled', { reason: cancel.reason })
      return
    }
    if (pause !== undefined && (resume === undefined || resume.at < pause.at)) {
      s.clearedRequests.push('pause')
      if (resume !== undefined) s.clearedRequests.push('resume')
      this.requestPause(pause.reason)
      return
    }
    if (resume !== undefined) {
      s.clearedRequests.push('resume')
      if (pause !== undefined) s.clearedRequests.push('pause')
      this.resume()
    }
  }

  private requestPause(reason: string | null): void {
    const s = this.state
    if (s.status === 'paused') return
    s.pauseRequested = { reason }
  }

  private resume(): void {
    const s = this.state
    s.pauseRequested = null
    if (s.status === 'paused' && s.startedAt === null) {
      // Paused before it ever started: resuming starts it.
      this.emit('execution.resumed', null, null, null, { from: 'paused' })
      s.status = 'pending'
      s.pausedReason = null
      s.patch({ pausedReason: null })
      return this.start()
    }
    if (s.status === 'paused') {
      s.status = 'running'
      s.pausedReason = null
      s.patch({ status: 'running', pausedReason: null })
      this.emit('execution.resumed', null, null, null, { from: 'paused' })
      this.thaw()
    }
    this.restartOrphans()
    // A `pause:` step parks its branch until an operator resumes.
    for (const name of [...s.live]) {
      const step = s.step(name)
      if (step.status === 'paused') this.completeStep(step, null, null)
    }
    this.rescan()
    this.fireTimers()
    this.deliverSignals()
  }

  private retry(): void {
    const s = this.state
    if (s.status !== 'failed') return
    s.run++
    s.status = 'running'
    s.error = null
    s.completedAt = null
    s.outputs = {}
    s.deadlineAt = s.workflow.timeoutMs === null ? null : this.env.now + s.workflow.timeoutMs
    s.patch({ run: s.run, status: 'running', error: null, completedAt: null, outputs: {}, deadlineAt: s.deadlineAt })
    this.emit('execution.resumed', null, null, null, { from: 'failed' })
    for (const step of s.steps.values()) {
      const reset =
        step.status === 'failed' ||
        step.status === 'cancelled' ||
        (step.status === 'skipped' && step.reason !== 'condition')
      if (!reset) continue
      // execution-model.md: a reset step gets a fresh budget; its attempt numbers go on.
      step.failures = 0
      step.output = null
      step.error = null
      step.startedAt = null
      step.completedAt = null
      step.wakeAt = null
      step.remainingMs = null
      step.topic = null
      step.reason = null
      if (step.iterations !== null) s.deletedIterationsOf.push(step.name)
      step.items = null
      step.iterations = null
      step.activeIterations = 0
      step.completedIterations = 0
      step.timedIterations.clear()
      s.setStatus(step, 'pending')
      this.refreshTimed(step)
    }
    this.rescan()
  }

  // --- settling and ending -------------------------------------------------------------------------------

  /** After every input: pause, suspend, or end the execution when nothing can move any more. */
  private settle(): void {
    const s = this.state
    if (isTerminalStatus(s.status)) return
    // A pending execution has no attempt to wait for: a pause takes effect at once.
    if (s.status === 'pending') {
      if (s.pauseRequested !== null) this.enterPaused(s.pauseRequested.reason)
      return
    }
    if (s.pauseRequested !== null) {
      if (s.inFlight.size === 0 && s.status !== 'paused') this.enterPaused(s.pauseRequested.reason)
      return
    }
    if (s.status === 'paused' || s.inFlight.size > 0) return
    const parked: string[] = []
    let pauseStep: StepState | null = null
    for (const name of s.live) {
      const step = s.step(name)
      if (step.status === 'running' || step.status === 'retrying') return
      if (step.status === 'paused') pauseStep ??= step
      else parked.push(name)
    }
    if (pauseStep !== null) return this.enterPaused(pauseStep.reason)
    if (parked.length > 0) {
      if (s.status === 'suspended') return
      s.status = 'suspended'
      s.patch({ status: 'suspended' })
      const order = (n: string): number => s.index.steps.get(n)!.order
      this.emit('execution.suspended', null, null, null, { waiting_on: parked.sort((a, b) => order(a) - order(b)) })
      return
    }
    if (s.error !== null) return this.end('failed', { error: s.error })
    let outputs: Record<string, unknown>
    try {
      outputs = renderValue(s.workflow.outputs, this.scope()) as Record<string, unknown>
    } catch (error) {
      return this.end('failed', { error: { step: null, code: 'OUTPUT_ERROR', message: errorInfoOf(error).message } })
    }
    this.end('completed', { outputs })
  }

  private enterPaused(reason: string | null): void {
    const s = this.state
    this.freeze()
    s.status = 'paused'
    s.pausedReason = reason
    s.pauseRequested = null
    s.patch({ status: 'paused', pausedReason: reason })
    this.emit('execution.paused', null, null, null, { reason })
  }

  /** Paused: every clock stands still, keeping the time it had left. */
  private freeze(): void {
    const s = this.state
    const now = this.env.now
    for (const name of s.timed) {
      const step = s.step(name)
      if (step.wakeAt !== null) {
        step.remainingMs = Math.max(0, step.wakeAt - now)
        step.wakeAt = null
        s.touch(step)
      }
      for (const it of timedIterationsOf(step)) {
        if (it.wakeAt === null) continue
        it.remainingMs = Math.max(0, it.wakeAt - now)
        it.wakeAt = null
        s.touchIteration(step, it)
      }
    }
    if (s.deadlineAt !== null) {
      s.timeoutRemainingMs = Math.max(0, s.deadlineAt - now)
      s.deadlineAt = null
      s.patch({ deadlineAt: null, timeoutRemainingMs: s.timeoutRemainingMs })
    }
  }

  private thaw(): void {
    const s = this.state
    const now = this.env.now
    for (const name of s.timed) {
      const step = s.step(name)
      if (step.remainingMs !== null) {
        step.wakeAt = now + step.remainingMs
        step.remainingMs = null
        s.touch(step)
      }
      for (const it of timedIterationsOf(step)) {
        if (it.remainingMs === null) continue
        it.wakeAt = now + it.remainingMs
        it.remainingMs = null
        s.touchIteration(step, it)
      }
    }
    if (s.timeoutRemainingMs !== null) {
      s.deadlineAt = now + s.timeoutRemainingMs
      s.timeoutRemainingMs = null
      s.patch({ deadlineAt: s.deadlineAt, timeoutRemainingMs: null })
    }
  }

  /**
   * Ends the execution: live steps are cancelled (running attempts aborted), steps that never started are
   * skipped (reason `ended`), then exactly one terminal event.
   */
  private end(
    status: 'completed' | 'failed' | 'cancelled',
    detail: { outputs?: Record<string, unknown>; error?: ExecutionErrorInfo; reason?: string | null },
  ): void {
    const s = this.state
    if (isTerminalStatus(s.status)) return
    this.#ending = true
    const why =
      status === 'cancelled'
        ? (detail.reason ?? 'execution cancelled')
        : detail.error?.code === 'TIMEOUT' && detail.error.step === null
          ? 'execution timed out'
          : 'execution failed'
    const abortReason: ErrorInfo =
      status === 'cancelled' || detail.error?.code !== 'TIMEOUT'
        ? { code: 'CANCELLED', message: why }
        : { code: 'TIMEOUT', message: why }
    for (const step of s.steps.values()) {
      if (
        step.status === 'running' ||
        step.status === 'retrying' ||
        step.status === 'waiting' ||
        step.status === 'paused'
      ) {
        if (step.iterations !== null) this.cancelIterations(step, abortReason)
        else if (step.status === 'running') {
          this.commands.push({ kind: 'abort-attempt', step: step.name, index: null, reason: abortReason })
        }
        step.wakeAt = null
        step.remainingMs = null
        step.completedAt = this.env.now
        step.reason = why
        s.setStatus(step, 'cancelled')
        this.emit('step.cancelled', step.name, null, null, { reason: why })
      } else if (step.status === 'pending') {
        step.reason = 'ended'
        s.setStatus(step, 'skipped')
        this.emit('step.skipped', step.name, null, null, { reason: 'ended' })
      }
    }
    s.timed.clear()
    s.inFlight.clear()
    s.pauseRequested = null
    s.status = status
    s.completedAt = this.env.now
    s.deadlineAt = null
    s.timeoutRemainingMs = null
    s.pausedReason = null
    s.patch({ status, completedAt: s.completedAt, deadlineAt: null, timeoutRemainingMs: null, pausedReason: null })
    if (status === 'completed') {
      s.outputs = detail.outputs ?? {}
      s.patch({ outputs: s.outputs })
      this.emit('execution.completed', null, null, null, { outputs: s.outputs })
    } else if (status === 'failed') {
      s.error = detail.error ?? s.error ?? { step: null, code: 'INTERNAL', message: 'The execution failed.' }
      s.patch({ error: s.error })
      this.emit('execution.failed', null, null, null, { error: s.error })
    } else {
      this.emit('execution.cancelled', null, null, null, { reason: detail.reason ?? null })
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------

  private scope(extra?: Partial<TemplateScope>): TemplateScope {
    const s = this.state
    return {
      inputs: s.inputs,
      vars: s.vars,
      steps: s.stepsScope,
      execution: { id: s.id, workflow: s.workflow.name },
      ...extra,
    }
  }

  private emit<T extends EventType>(
    type: T,
    step: string | null,
    attempt: number | null,
    index: number | null,
    data: EventDataMap[T],
  ): void {
    this.events.push({ type, step, attempt, index, data } as PendingEvent)
  }
}

/** The iterations of a step that have a timer, in index order (a copy: callers change them). */
function timedIterationsOf(step: StepState): IterationState[] {
  if (step.timedIterations.size === 0 || step.iterations === null) return []
  const iterations = step.iterations
  return [...step.timedIterations]
    .sort((a, b) => a - b)
    .map((i) => iterations[i])
    .filter((it): it is IterationState => it !== undefined)
}

function transitionFires(key: string, source: StepState): boolean {
  switch (key) {
    case 'on_success':
      return source.status === 'completed'
    case 'on_failure':
      return source.status === 'failed'
    case 'on_complete':
      return source.status === 'completed' || source.status === 'failed'
    case 'on_timeout':
      return source.status === 'failed' && source.error?.code === 'TIMEOUT'
    default:
      return false
  }
}

function expressionError(error: unknown): ErrorInfo {
  return { code: 'EXPRESSION_ERROR', message: errorInfoOf(error, 'EXPRESSION_ERROR').message }
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
