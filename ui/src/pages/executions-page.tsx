import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { api, ApiError, errorMessage } from '../api/client.js'
import type { SseMessage } from '../api/sse.js'
import type { ApiEvent, ApiExecutionStatus, ApiExecutionSummary, ApiWorkflowSummary } from '../api/types.js'
import { LiveIndicator } from '../components/live-indicator.js'
import { StatusBadge } from '../components/status-badge.js'
import { VirtualList } from '../components/virtual-list.js'
import { elapsedMs, formatClock, formatDuration, formatRelative } from '../lib/format.js'
import { EXECUTION_STATUSES } from '../lib/status.js'
import { useNow } from '../lib/use-now.js'
import { useStream } from '../lib/use-stream.js'
import { href, Link, navigate } from '../router.js'

const PAGE_SIZE = 200
const ROW_HEIGHT = 44
const FLUSH_MS = 200
/** Newly started executions fetched one by one per batch of events; more are announced instead. */
const MAX_FETCHED_PER_FLUSH = 10
const ALL_EXECUTIONS = (): string => '/api/stream'

/** What an execution event says about the execution's row in the list. */
function summaryChange(event: ApiEvent): Partial<ApiExecutionSummary> | null {
  switch (event.type) {
    case 'execution.started':
      return { status: 'running', started_at: event.at }
    case 'execution.resumed':
      return { status: 'running', completed_at: null }
    case 'execution.suspended':
      return { status: 'suspended' }
    case 'execution.paused':
      return { status: 'paused' }
    case 'execution.completed':
      return { status: 'completed', completed_at: event.at }
    case 'execution.failed':
      return { status: 'failed', completed_at: event.at }
    case 'execution.cancelled':
      return { status: 'cancelled', completed_at: event.at }
    case 'step.started':
    case 'step.completed':
    case 'step.retrying':
    case 'step.failed':
    case 'step.skipped':
    case 'step.waiting':
    case 'step.cancelled':
    case 'signal.received':
      return null
  }
}

/** The list's filters as API query parameters (empty ones left out). */
function filters(status: ApiExecutionStatus | '', workflow: string, idPrefix: string) {
  return { status: status || undefined, workflow: workflow || undefined, id_prefix: idPrefix || undefined }
}

interface ListState {
  readonly items: readonly ApiExecutionSummary[]
  readonly next: string | null
  readonly loading: boolean
  readonly error: string | null
}

/**
 * Every execution, newest first: filters by status and workflow, search by id prefix (on the server, so it finds
 * any execution however many there are), live status, loads as you scroll.
 */
export function ExecutionsPage({ search }: { search: string }) {
  const params = useMemo(() => new URLSearchParams(search), [search])
  const status = (params.get('status') ?? '') as ApiExecutionStatus | ''
  const workflow = params.get('workflow') ?? ''
  const q = params.get('q') ?? ''
  const [text, setText] = useState(q)
  const [lookup, setLookup] = useState<string | null>(null)
  const [workflows, setWorkflows] = useState<readonly ApiWorkflowSummary[]>([])
  const [list, setList] = useState<ListState>({ items: [], next: null, loading: true, error: null })
  const [reload, setReload] = useState(0)
  const now = useNow(5_000)

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(search)
    if (value === '') next.delete(key)
    else next.set(key, value)
    navigate(href.executions(next), { replace: true })
  }

  useEffect(() => {
    const controller = new AbortController()
    api.workflows(controller.signal).then(setWorkflows, () => undefined)
    return () => controller.abort()
  }, [])

  // The first page, again whenever a filter changes (rows of other filters go at once) or on a reload (the rows
  // stay until the fresh page replaces them).
  const generation = useRef(0)
  const loadedFilter = useRef<string | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    const mine = ++generation.current
    const filter = `${status}\u0000${workflow}\u0000${q}`
    const sameFilter = loadedFilter.current === filter
    loadedFilter.current = filter
    setList((old) => ({ ...old, items: sameFilter ? old.items : [], loading: true, error: null }))
    api.executions({ ...filters(status, workflow, q), limit: PAGE_SIZE }, controller.signal).then(
      (page) =>
        mine === generation.current &&
        setList({ items: page.executions, next: page.next_cursor, loading: false, error: null }),
      (e: unknown) => {
        if (!controller.signal.aborted) setList({ items: [], next: null, loading: false, error: errorMessage(e) })
      },
    )
    return () => controller.abort()
  }, [status, workflow, q, reload])

  const loadMore = useCallback(() => {
    if (list.loading || list.next === null) return
    const cursor = list.next
    const mine = generation.current
    setList((old) => ({ ...old, loading: true }))
    api.executions({ ...filters(status, workflow, q), limit: PAGE_SIZE, cursor }).then(
      (page) => {
        if (mine !== generation.current) return
        setList((old) => {
          const seen = new Set(old.items.map((e) => e.id))
          return {
            items: [...old.items, ...page.executions.filter((e) => !seen.has(e.id))],
            next: page.next_cursor,
            loading: false,
            error: null,
          }
        })
      },
      (e: unknown) =>
        mine === generation.current && setList((old) => ({ ...old, loading: false, error: errorMessage(e) })),
    )
  }, [list.loading, list.next, status, workflow, q])

  // Live status: execution events from the all-executions stream, applied in batches.
  const pending = useRef(new Map<string, Partial<ApiExecutionSummary>>())
  const fetched = useRef(new Set<string>())
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const [missed, setMissed] = useState(false)
  const current = useRef({ status, workflow, q, items: list.items })
  current.current = { status, workflow, q, items: list.items }
  const flush = useCallback(() => {
    timer.current = null
    const changes = pending.current
    pending.current = new Map()
    setList((old) => {
      let items: ApiExecutionSummary[] | null = null
      old.items.forEach((item, i) => {
        const change = changes.get(item.id)
        if (change === undefined) return
        items ??= [...old.items]
        items[i] = { ...item, ...change }
      })
      return items === null ? old : { ...old, items }
    })
    // Executions that started since the page loaded: a few are fetched and put on top; a burst is only
    // announced, so a busy system does not turn the list into a flood of requests.
    const known = new Set(current.current.items.map((e) => e.id))
    const started = [...changes.entries()]
      .filter(([id, change]) => 'started_at' in change && !known.has(id) && !fetched.current.has(id))
      .map(([id]) => id)
    if (started.length > MAX_FETCHED_PER_FLUSH) {
      setMissed(true)
      return
    }
    for (const id of started) {
      fetched.current.add(id)
      api.execution(id).then(
        (execution) => {
          const { status: s, workflow: w, q: prefix } = current.current
          if ((s !== '' && execution.status !== s) || (w !== '' && execution.workflow !== w)) return
          if (!execution.id.startsWith(prefix)) return
          const summary: ApiExecutionSummary = {
            id: execution.id,
            workflow: execution.workflow,
            status: execution.status,
            created_at: execution.created_at,
            started_at: execution.started_at,
            completed_at: execution.completed_at,
            parent_id: execution.parent_id,
          }
          setList((old) => (old.items.some((e) => e.id === id) ? old : { ...old, items: [summary, ...old.items] }))
        },
        () => undefined,
      )
    }
  }, [])
  useEffect(() => () => void (timer.current !== null && clearTimeout(timer.current)), [])

  const onMessage = useCallback(
    (message: SseMessage) => {
      if (message.event !== 'message') return
      const event = JSON.parse(message.data) as ApiEvent
      const change = summaryChange(event)
      if (change === null) return
      pending.current.set(event.execution_id, { ...pending.current.get(event.execution_id), ...change })
      timer.current ??= setTimeout(flush, FLUSH_MS)
    },
    [flush],
  )
  // The all-executions stream has no ids: after a break, read the first page again.
  const stream = useStream(ALL_EXECUTIONS, onMessage, () => setReload((n) => n + 1))
  const reloadFirstPage = () => {
    setMissed(false)
    setReload((n) => n + 1)
  }

  useEffect(() => setText(q), [q])
  useEffect(() => {
    if (text.trim() === q) return
    const t = setTimeout(() => setParam('q', text.trim()), 200)
    return () => clearTimeout(t)
  }, [text, q, search])

  const openById = async (event: FormEvent) => {
    event.preventDefault()
    const id = text.trim()
    if (id === '') return
    try {
      const execution = await api.execution(id)
      navigate(href.execution(execution.id))
    } catch (e) {
      setLookup(e instanceof ApiError && e.code === 'NOT_FOUND' ? `No execution has the id ${id}.` : errorMessage(e))
    }
  }

  return (
    <div className="page page--fill">
      <div className="page__head">
        <h1>Executions</h1>
        <LiveIndicator state={stream} />
      </div>
      <div className="toolbar">
        <form className="search" onSubmit={(e) => void openById(e)}>
          <input
            type="search"
            placeholder="Search by id prefix — Enter opens an exact id"
            value={text}
            onChange={(e) => {
              setText(e.target.value)
              setLookup(null)
            }}
            data-testid="search"
            aria-label="Search by id prefix"
          />
        </form>
        <select
          value={status}
          onChange={(e) => setParam('status', e.target.value)}
          data-testid="filter-status"
          aria-label="Status"
        >
          <option value="">All statuses</option>
          {EXECUTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select
          value={workflow}
          onChange={(e) => setParam('workflow', e.target.value)}
          data-testid="filter-workflow"
          aria-label="Workflow"
        >
          <option value="">All workflows</option>
          {workflow !== '' && !workflows.some((w) => w.name === workflow) && (
            <option value={workflow}>{workflow}</option>
          )}
          {workflows.map((w) => (
            <option key={w.name} value={w.name}>
              {w.name}
            </option>
          ))}
        </select>
        <span className="toolbar__count muted" data-testid="execution-count">
          {list.items.length} loaded{list.next !== null ? ', more below' : ''}
        </span>
      </div>
      {lookup !== null && (
        <div className="notice" data-testid="lookup-error">
          {lookup}
        </div>
      )}
      {missed && (
        <div className="notice">
          Many executions started since this list was loaded.{' '}
          <button type="button" className="link-button" onClick={reloadFirstPage}>
            Show the newest
          </button>
        </div>
      )}
      {list.error !== null && <div className="error-box">{list.error}</div>}
      <div className="table exec-table" role="table" aria-label="Executions">
        <div className="exec-row exec-row--head" role="row">
          <span>Status</span>
          <span>Id</span>
          <span>Workflow</span>
          <span>Created</span>
          <span>Duration</span>
        </div>
        <VirtualList
          items={list.items}
          rowHeight={ROW_HEIGHT}
          rowKey={(e) => e.id}
          onEndReached={loadMore}
          testId="execution-list"
          className="exec-table__body"
          empty={<div className="panel-empty muted">{list.loading ? 'Loading…' : 'No executions match.'}</div>}
          renderRow={(e) => <ExecutionRow execution={e} now={now} />}
        />
      </div>
    </div>
  )
}

function ExecutionRow({ execution: e, now }: { execution: ApiExecutionSummary; now: number }) {
  const ms = elapsedMs(e.started_at, e.completed_at, now)
  return (
    <Link
      to={href.execution(e.id)}
      className="exec-row"
      data-testid="execution-row"
      data-id={e.id}
      data-status={e.status}
      role="row"
    >
      <span>
        <StatusBadge status={e.status} />
      </span>
      <span className="mono exec-row__id" title={e.id}>
        {e.id}
      </span>
      <span className="exec-row__workflow">{e.workflow}</span>
      <span title={e.created_at}>
        {formatClock(e.created_at, now)} <span className="muted">· {formatRelative(e.created_at, now)}</span>
      </span>
      <span className="mono">{ms === null ? '—' : formatDuration(ms)}</span>
    </Link>
  )
}
