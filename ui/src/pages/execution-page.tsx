import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { allEvents, api, ApiError, errorMessage } from '../api/client.js'
import type { SseMessage } from '../api/sse.js'
import type { ApiEvent, ApiExecution, ApiWorkflowDetail } from '../api/types.js'
import { EventLog } from '../components/event-log.js'
import { layoutGraph, warmUpLayout } from '../components/graph/layout.js'
import { WorkflowGraph } from '../components/graph/workflow-graph.js'
import { JsonView } from '../components/json-view.js'
import { LiveIndicator } from '../components/live-indicator.js'
import { type OperatorAction, OperatorActions } from '../components/operator-actions.js'
import { SignalForm } from '../components/signal-form.js'
import { StatusBadge } from '../components/status-badge.js'
import { StepDetails } from '../components/step-details.js'
import { TimelineChart } from '../components/timeline-chart.js'
import { WhyPanel } from '../components/why-panel.js'
import { applyEvent, mergeExecution } from '../lib/apply-event.js'
import { indexEvents } from '../lib/event-index.js'
import { elapsedMs, formatClock, formatDuration } from '../lib/format.js'
import { isTerminal } from '../lib/status.js'
import { buildTimeline } from '../lib/timeline.js'
import { useNow } from '../lib/use-now.js'
import { useStream } from '../lib/use-stream.js'
import { href, Link } from '../router.js'

/** How often, at most, the page reads the execution object again while events arrive. */
const REFETCH_MS = 500

/**
 * One execution, live: graph coloured by step state, why it is not progressing, timeline, event log, inputs,
 * outputs and errors, and the operator's buttons. Events from the stream move the page at once; the server's
 * object is read again shortly after and stays the truth.
 */
export function ExecutionPage({ id }: { id: string }) {
  const [execution, setExecution] = useState<ApiExecution | null>(null)
  const [workflow, setWorkflow] = useState<ApiWorkflowDetail | null>(null)
  const [events, setEvents] = useState<readonly ApiEvent[]>([])
  const [loadError, setLoadError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  const [busy, setBusy] = useState<OperatorAction | 'signal' | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const [signalOpen, setSignalOpen] = useState(false)
  const lastSeq = useRef(0)
  const eventsRef = useRef<readonly ApiEvent[]>([])
  eventsRef.current = events

  useEffect(() => {
    const controller = new AbortController()
    setExecution(null)
    setWorkflow(null)
    setEvents([])
    setLoadError(null)
    setSelected(null)
    lastSeq.current = 0
    const load = async () => {
      warmUpLayout()
      // The definition is fetched alongside, and its layout started as soon as it arrives.
      const snapshot = api.executionWorkflow(id, controller.signal).then(
        (definition) => {
          void layoutGraph(definition.graph).catch(() => undefined)
          return definition
        },
        (e: unknown) => {
          // A server without the snapshot route: the registered definition of the same name (below).
          if (e instanceof ApiError && e.code === 'NOT_FOUND') return null
          throw e
        },
      )
      // Events first: the execution read after them is at least as new, and the stream goes on from there.
      const log = await allEvents(id, 0, controller.signal)
      const current = await api.execution(id, controller.signal)
      lastSeq.current = log.at(-1)?.seq ?? 0
      setEvents(log)
      setExecution(current)
      setWorkflow((await snapshot) ?? (await api.workflow(current.workflow, controller.signal)))
    }
    load().catch((e: unknown) => {
      if (controller.signal.aborted) return
      setLoadError(
        e instanceof ApiError && e.code === 'NOT_FOUND' ? `There is no execution with the id ${id}.` : errorMessage(e),
      )
    })
    return () => controller.abort()
  }, [id])

  // Reading the execution again: throttled, and events newer than the request are applied on top of the answer.
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const refetch = useCallback(() => {
    refetchTimer.current = null
    const seqAtRequest = lastSeq.current
    api.execution(id).then(
      (fresh) => {
        const newer = eventsRef.current.filter((e) => e.seq > seqAtRequest)
        setExecution((old) => mergeExecution(old, newer.reduce(applyEvent, fresh)))
      },
      () => undefined,
    )
  }, [id])
  const scheduleRefetch = useCallback(() => {
    refetchTimer.current ??= setTimeout(refetch, REFETCH_MS)
  }, [refetch])
  useEffect(() => () => void (refetchTimer.current !== null && clearTimeout(refetchTimer.current)), [id])

  // Events from the stream, applied once per frame however fast they come.
  const batch = useRef<ApiEvent[]>([])
  const frame = useRef<number | null>(null)
  const flush = useCallback(() => {
    frame.current = null
    const arrived = batch.current
    batch.current = []
    if (arrived.length === 0) return
    setEvents((old) => old.concat(arrived))
    setExecution((old) => (old === null ? old : arrived.reduce(applyEvent, old)))
    scheduleRefetch()
  }, [scheduleRefetch])
  useEffect(() => () => void (frame.current !== null && cancelAnimationFrame(frame.current)), [id])

  const onMessage = useCallback(
    (message: SseMessage, close: () => void) => {
      if (message.event === 'end') {
        close()
        scheduleRefetch()
        return
      }
      if (message.event !== 'message') return
      const event = JSON.parse(message.data) as ApiEvent
      if (event.execution_id !== id || event.seq <= lastSeq.current) return
      lastSeq.current = event.seq
      batch.current.push(event)
      frame.current ??= requestAnimationFrame(flush)
    },
    [id, flush, scheduleRefetch],
  )
  const live = execution !== null && execution.id === id && !isTerminal(execution.status)
  const streamUrl = useMemo(
    () =>
      live
        ? (lastEventId: string | null) =>
            `/api/executions/${encodeURIComponent(id)}/stream?after=${lastEventId ?? String(lastSeq.current)}`
        : null,
    [live, id],
  )
  const stream = useStream(streamUrl, onMessage)

  const act = async (action: OperatorAction) => {
    setBusy(action)
    setActionError(null)
    try {
      const next = await api[action](id)
      setExecution((old) => mergeExecution(old, next))
    } catch (e) {
      setActionError(errorMessage(e))
    } finally {
      setBusy(null)
    }
  }
  const sendSignal = async (topic: string, data: unknown): Promise<boolean> => {
    setBusy('signal')
    setActionError(null)
    try {
      const next = await api.signal(id, { topic, data })
      setExecution((old) => mergeExecution(old, next))
      return true
    } catch (e) {
      setActionError(errorMessage(e))
      return false
    } finally {
      setBusy(null)
    }
  }

  const index = useMemo(() => indexEvents(events), [events])
  const timeline = useMemo(() => buildTimeline(events), [events])
  const topics = useMemo(() => {
    const list: string[] = []
    if (execution !== null)
      for (const [name, event] of index.waiting)
        if (
          event.data.kind === 'signal' &&
          execution.steps[name]?.status === 'waiting' &&
          !list.includes(event.data.topic)
        )
          list.push(event.data.topic)
    return list
  }, [index, execution])
  const now = useNow(1_000, live)

  if (loadError !== null)
    return (
      <div className="page">
        <Breadcrumb id={id} />
        <div className="error-box" data-testid="load-error">
          {loadError}
        </div>
      </div>
    )
  if (execution === null || execution.id !== id)
    return (
      <div className="page">
        <Breadcrumb id={id} />
        <p className="muted">Loading…</p>
      </div>
    )

  const ms = elapsedMs(execution.started_at, execution.completed_at, now)
  const spec = selected === null ? undefined : workflow?.graph.nodes.find((n) => n.id === selected)
  return (
    <div className="page" data-testid="execution-page" data-status={execution.status}>
      <Breadcrumb id={id} />
      <header className="exec-head">
        <div className="exec-head__title">
          <h1 className="mono" data-testid="execution-id">
            {execution.id}
          </h1>
          <StatusBadge status={execution.status} large />
          {live && <LiveIndicator state={stream} />}
        </div>
        <dl className="exec-head__facts">
          <div>
            <dt>Workflow</dt>
            <dd>
              <Link to={href.workflow(execution.workflow)}>{execution.workflow}</Link>
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd title={execution.created_at}>{formatClock(execution.created_at, now)}</dd>
          </div>
          {execution.completed_at !== null && (
            <div>
              <dt>Ended</dt>
              <dd title={execution.completed_at}>{formatClock(execution.completed_at, now)}</dd>
            </div>
          )}
          <div>
            <dt>Duration</dt>
            <dd data-testid="execution-duration">{ms === null ? 'not started' : formatDuration(ms)}</dd>
          </div>
          {execution.parent_id !== null && (
            <div>
              <dt>Parent</dt>
              <dd>
                <Link to={href.execution(execution.parent_id)} className="mono">
                  {execution.parent_id}
                </Link>
                {execution.parent_step !== null && <> · step {execution.parent_step}</>}
              </dd>
            </div>
          )}
        </dl>
        <OperatorActions
          status={execution.status}
          busy={busy}
          signalOpen={signalOpen}
          onAction={(a) => void act(a)}
          onToggleSignal={() => setSignalOpen(!signalOpen)}
        />
      </header>
      {actionError !== null && (
        <div className="error-box" data-testid="action-error">
          {actionError}
        </div>
      )}
      {signalOpen && !isTerminal(execution.status) && (
        <section className="panel">
          <h2>Send a signal</h2>
          <SignalForm topics={topics} busy={busy !== null} onSend={sendSignal} />
        </section>
      )}
      {execution.error !== null && (
        <div className="error-box error-box--large" data-testid="execution-error">
          <strong>{execution.error.code}</strong>
          {execution.error.step !== null && (
            <>
              {' '}
              in step{' '}
              <button type="button" className="link-button" onClick={() => setSelected(execution.error!.step)}>
                <code>{execution.error.step}</code>
              </button>
            </>
          )}
          : {execution.error.message}
        </div>
      )}
      {live && workflow !== null && (
        <WhyPanel execution={execution} graph={workflow.graph} index={index} onSelect={setSelected} />
      )}
      <section className="panel panel--graph">
        <h2>Steps</h2>
        <div className="graph-area">
          {workflow === null ? (
            <div className="graph-message">Loading the workflow…</div>
          ) : (
            <WorkflowGraph graph={workflow.graph} steps={execution.steps} selected={selected} onSelect={setSelected} />
          )}
          {spec !== undefined && (
            <StepDetails
              spec={spec}
              step={execution.steps[spec.id] ?? null}
              executionId={execution.id}
              onClose={() => setSelected(null)}
            />
          )}
        </div>
      </section>
      <section className="panel">
        <h2>Timeline</h2>
        <TimelineChart timeline={timeline} selected={selected} onSelect={setSelected} />
      </section>
      <div className="columns">
        <section className="panel">
          <h2>Inputs</h2>
          <JsonView value={execution.inputs} empty="no inputs" testId="execution-inputs" />
        </section>
        <section className="panel">
          <h2>Outputs</h2>
          <JsonView
            value={execution.outputs}
            empty={execution.status === 'completed' ? 'no outputs' : 'outputs appear when the execution completes'}
            testId="execution-outputs"
          />
        </section>
      </div>
      <section className="panel">
        <h2>Event log</h2>
        <EventLog events={events} step={selected} />
      </section>
    </div>
  )
}

function Breadcrumb({ id }: { id: string }) {
  return (
    <nav className="breadcrumb">
      <Link to={href.executions()}>Executions</Link> <span aria-hidden>/</span> <span className="mono">{id}</span>
    </nav>
  )
}
