import { type FormEvent, useEffect, useState } from 'react'
import { readJson } from '../lib/json-input.js'

export interface SignalFormProps {
  /** Topics that steps wait for now, offered first. */
  readonly topics: readonly string[]
  readonly busy: boolean
  readonly onSend: (topic: string, data: unknown) => Promise<boolean>
}

/** Sends a signal: a topic and a JSON payload, checked as it is typed. */
export function SignalForm({ topics, busy, onSend }: SignalFormProps) {
  const [topic, setTopic] = useState(topics[0] ?? '')
  const [text, setText] = useState('{}')
  const firstTopic = topics[0]
  useEffect(() => {
    if (firstTopic !== undefined) setTopic((current) => (current === '' ? firstTopic : current))
  }, [firstTopic])
  const parsed = readJson(text, null)
  const topicToUse = topic.trim()
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!parsed.ok || topicToUse === '') return
    if (await onSend(topicToUse, parsed.value)) setText('{}')
  }
  return (
    <form className="signal-form" onSubmit={(e) => void submit(e)} data-testid="signal-form">
      <label className="field">
        <span className="field__label">Topic</span>
        <input
          list="signal-topics"
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
          placeholder="approval"
          data-testid="signal-topic"
          required
        />
        <datalist id="signal-topics">
          {topics.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span className="field__label">Data (JSON)</span>
        <textarea
          className={`code-input${parsed.ok ? '' : ' is-invalid'}`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={5}
          spellCheck={false}
          data-testid="signal-data"
          aria-invalid={!parsed.ok}
        />
        <span className={parsed.ok ? 'field__hint' : 'field__error'} data-testid="signal-json-status">
          {parsed.ok ? 'Valid JSON' : parsed.message}
        </span>
      </label>
      <button
        type="submit"
        className="button button--primary"
        disabled={busy || !parsed.ok || topicToUse === ''}
        data-testid="signal-send"
      >
        Send signal
      </button>
    </form>
  )
}
