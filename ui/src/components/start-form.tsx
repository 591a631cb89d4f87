import { type FormEvent, useState } from 'react'
import { api, errorMessage } from '../api/client.js'
import type { ApiWorkflowDetail } from '../api/types.js'
import { formatInline } from '../lib/format.js'
import { type FieldValue, fieldKind, initialField, readInputs } from '../lib/start-inputs.js'
import { href, navigate } from '../router.js'

/** The form generated from a workflow's declared inputs; starting opens the new execution. */
export function StartForm({ workflow }: { workflow: ApiWorkflowDetail }) {
  const specs = workflow.inputs
  const [values, setValues] = useState<Record<string, FieldValue>>(() =>
    Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, initialField(spec)])),
  )
  const [id, setId] = useState('')
  const [problems, setProblems] = useState<Record<string, string>>({})
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const read = readInputs(specs, values)
    setProblems(read.problems)
    if (Object.keys(read.problems).length > 0) return
    setBusy(true)
    setError(null)
    try {
      const execution = await api.start({
        workflow: workflow.name,
        inputs: read.inputs,
        ...(id.trim() === '' ? {} : { id: id.trim() }),
      })
      navigate(href.execution(execution.id))
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const set = (name: string, value: FieldValue) => {
    setValues((old) => ({ ...old, [name]: value }))
    // A field's problem goes away as it is edited; the next submit checks again.
    setProblems(({ [name]: _edited, ...rest }) => rest)
  }
  const names = Object.keys(specs)
  return (
    <form className="start-form" onSubmit={(e) => void submit(e)} data-testid="start-form" noValidate>
      {names.length === 0 && <p className="muted">This workflow declares no inputs.</p>}
      {names.map((name) => {
        const spec = specs[name]!
        const kind = fieldKind(spec)
        const value = values[name] ?? initialField(spec)
        const problem = problems[name]
        const hint = [
          spec.type,
          spec.required ? 'required' : null,
          spec.default !== undefined ? `default ${formatInline(spec.default, 40)}` : null,
        ]
          .filter((x) => x !== null)
          .join(' · ')
        return (
          <label key={name} className={`field${kind === 'checkbox' ? ' field--inline' : ''}`}>
            <span className="field__label">
              {name}
              {spec.required && (
                <span className="required" aria-label="required">
                  *
                </span>
              )}
              <span className="field__type">{hint}</span>
            </span>
            {kind === 'checkbox' ? (
              <input
                type="checkbox"
                checked={value === true}
                onChange={(e) => set(name, e.target.checked)}
                data-testid={`input-${name}`}
              />
            ) : kind === 'json' ? (
              <textarea
                className={`code-input${problem === undefined ? '' : ' is-invalid'}`}
                rows={3}
                spellCheck={false}
                value={String(value)}
                placeholder={
                  spec.default !== undefined ? JSON.stringify(spec.default) : spec.type === 'array' ? '[]' : '{}'
                }
                onChange={(e) => set(name, e.target.value)}
                data-testid={`input-${name}`}
              />
            ) : (
              <input
                type="text"
                inputMode={kind === 'number' ? 'decimal' : undefined}
                className={problem === undefined ? '' : 'is-invalid'}
                value={String(value)}
                placeholder={
                  spec.default === undefined
                    ? ''
                    : typeof spec.default === 'string'
                      ? spec.default
                      : JSON.stringify(spec.default)
                }
                onChange={(e) => set(name, e.target.value)}
                data-testid={`input-${name}`}
              />
            )}
            {spec.description !== null && <span className="field__hint">{spec.description}</span>}
            {problem !== undefined && (
              <span className="field__error">
                {name} {problem}
              </span>
            )}
          </label>
        )
      })}
      <details className="start-form__more">
        <summary>Execution id (optional)</summary>
        <label className="field">
          <span className="field__label">Id</span>
          <input
            type="text"
            value={id}
            onChange={(e) => setId(e.target.value)}
            placeholder="generated when empty; the same id starts nothing twice"
            data-testid="input-execution-id"
          />
        </label>
      </details>
      {error !== null && (
        <div className="error-box" data-testid="start-error">
          {error}
        </div>
      )}
      <button type="submit" className="button button--primary" disabled={busy} data-testid="start-submit">
        {busy ? 'Starting…' : 'Start execution'}
      </button>
    </form>
  )
}
