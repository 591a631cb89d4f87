import { useEffect, useState } from 'react'
import { api, ApiError, errorMessage } from '../api/client.js'
import type { ApiExecutionSummary, ApiWorkflowDetail } from '../api/types.js'
import { WorkflowGraph } from '../components/graph/workflow-graph.js'
import { StartForm } from '../components/start-form.js'
import { StatusBadge } from '../components/status-badge.js'
import { StepDetails } from '../components/step-details.js'
import { formatDuration, formatRelative } from '../lib/format.js'
import { href, Link } from '../router.js'

/** A workflow: its graph, its source, a form from its inputs to start it, and its latest executions. */
export function WorkflowPage({ name }: { name: string }) {
  const [workflow, setWorkflow] = useState<ApiWorkflowDetail | null>(null)
  const [recent, setRecent] = useState<readonly ApiExecutionSummary[]>([])
  const [error, setError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    setWorkflow(null)
    setError(null)
    api.workflow(name, controller.signal).then(setWorkflow, (e: unknown) => {
      if (controller.signal.aborted) return
      setError(
        e instanceof ApiError && e.code === 'NOT_FOUND' ? `No workflow is registered as ${name}.` : errorMessage(e),
      )
    })
    api.executions({ workflow: name, limit: 8 }, controller.signal).then(
      (page) => setRecent(page.executions),
      () => undefined,
    )
    return () => controller.abort()
  }, [name])

  const now = Date.now()
  const spec = selected === null ? undefined : workflow?.graph.nodes.find((n) => n.id === selected)
  return (
    <div className="page" data-testid="workflow-page">
      <nav className="breadcrumb">
        <Link to={href.workflows()}>Workflows</Link> <span aria-hidden>/</span> {name}
      </nav>
      {error !== null && <div className="error-box">{error}</div>}
      {workflow === null && error === null && <p className="muted">Loading…</p>}
      {workflow !== null && (
        <>
          <header className="exec-head">
            <div className="exec-head__title">
              <h1>{workflow.name}</h1>
            </div>
            {workflow.description !== null && <p className="lead">{workflow.description}</p>}
            <dl className="exec-head__facts">
              <div>
                <dt>Steps</dt>
                <dd>{workflow.step_count}</dd>
              </div>
              <div>
                <dt>On failure</dt>
                <dd>{workflow.failure_policy === 'fail_fast' ? 'fail fast' : 'continue'}</dd>
              </div>
              {workflow.timeout_ms !== null && (
                <div>
                  <dt>Timeout</dt>
                  <dd>{formatDuration(workflow.timeout_ms)}</dd>
                </div>
              )}
              {workflow.file !== null && (
                <div>
                  <dt>File</dt>
                  <dd className="mono">{workflow.file}</dd>
                </div>
              )}
            </dl>
          </header>
          <section className="panel panel--graph">
            <h2>Graph</h2>
            <div className="graph-area">
              <WorkflowGraph graph={workflow.graph} selected={selected} onSelect={setSelected} />
              {spec !== undefined && <StepDetails spec={spec} step={null} onClose={() => setSelected(null)} />}
            </div>
          </section>
          <div className="columns columns--start">
            <section className="panel">
              <h2>Start an execution</h2>
              <StartForm workflow={workflow} />
            </section>
            <section className="panel">
              <h2>Latest executions</h2>
              {recent.length === 0 ? (
                <p className="muted">None yet.</p>
              ) : (
                <ul className="recent">
                  {recent.map((e) => (
                    <li key={e.id}>
                      <StatusBadge status={e.status} />
                      <Link to={href.execution(e.id)} className="mono">
                        {e.id}
                      </Link>
                      <span className="muted">{formatRelative(e.created_at, now)}</span>
                    </li>
                  ))}
                </ul>
              )}
              {recent.length > 0 && (
                <Link to={href.executions(new URLSearchParams({ workflow: workflow.name }))}>
                  All executions of {workflow.name} →
                </Link>
              )}
            </section>
          </div>
          <section className="panel">
            <h2>Source</h2>
            {workflow.source !== null ? (
              <pre className="source" data-testid="workflow-source">
                {workflow.source}
              </pre>
            ) : (
              <>
                <p className="muted">The server does not have this definition's source; its graph in mermaid:</p>
                <pre className="source" data-testid="workflow-source">
                  {workflow.mermaid}
                </pre>
              </>
            )}
          </section>
        </>
      )}
    </div>
  )
}
