import { type FormEvent, useEffect, useState } from 'react'
import { api, ApiError, errorMessage } from '../api/client.js'
import type { ApiProblem, ApiWorkflowSummary } from '../api/types.js'
import { plural } from '../lib/format.js'
import { href, Link, navigate } from '../router.js'

/** The registered workflows, and a form to register one from its YAML or JSON source. */
export function WorkflowsPage() {
  const [workflows, setWorkflows] = useState<readonly ApiWorkflowSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    api.workflows(controller.signal).then(setWorkflows, (e: unknown) => {
      if (!controller.signal.aborted) setError(errorMessage(e))
    })
    return () => controller.abort()
  }, [])
  return (
    <div className="page">
      <div className="page__head">
        <h1>Workflows</h1>
      </div>
      {error !== null && <div className="error-box">{error}</div>}
      {workflows === null && error === null && <p className="muted">Loading…</p>}
      {workflows !== null && workflows.length === 0 && (
        <p className="muted">No workflow is registered yet. Register one below, or POST it to /api/workflows.</p>
      )}
      {workflows !== null && workflows.length > 0 && (
        <div className="cards" data-testid="workflow-list">
          {workflows.map((w) => (
            <Link
              key={w.name}
              to={href.workflow(w.name)}
              className="card"
              data-testid="workflow-card"
              data-name={w.name}
            >
              <div className="card__title">{w.name}</div>
              {w.description !== null && <div className="card__text">{w.description}</div>}
              <div className="card__meta muted">
                {plural(w.step_count, 'step')} · {plural(Object.keys(w.inputs).length, 'input')}
                {w.file !== null && <> · {w.file}</>}
              </div>
            </Link>
          ))}
        </div>
      )}
      <RegisterForm />
    </div>
  )
}

function RegisterForm() {
  const [source, setSource] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [problems, setProblems] = useState<readonly ApiProblem[]>([])
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    setProblems([])
    try {
      const workflow = await api.registerWorkflow(source)
      navigate(href.workflow(workflow.name))
    } catch (e) {
      setError(errorMessage(e))
      if (e instanceof ApiError) setProblems(e.problems)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="panel">
      <h2>Register a workflow</h2>
      <form onSubmit={(e) => void submit(e)} data-testid="register-form">
        <textarea
          className="code-input"
          rows={10}
          spellCheck={false}
          placeholder={'trellis: 1\nname: hello\nsteps:\n  greet:\n    action: core.echo\n    with: { value: hello }'}
          value={source}
          onChange={(e) => setSource(e.target.value)}
          data-testid="register-source"
        />
        {error !== null && (
          <div className="error-box" data-testid="register-error">
            {error}
            {problems.length > 0 && (
              <ul className="problems">
                {problems.map((p, i) => (
                  <li key={i}>
                    <span className="mono">{p.line === null ? '' : `${p.line}:${p.column ?? 1}`}</span>{' '}
                    {p.path !== '' && <code>{p.path}</code>} {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit" className="button button--primary" disabled={busy || source.trim() === ''}>
          Register
        </button>
      </form>
    </section>
  )
}
