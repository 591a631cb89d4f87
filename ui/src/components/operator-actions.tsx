import { useState } from 'react'
import type { ApiExecutionStatus } from '../api/types.js'
import { isTerminal } from '../lib/status.js'

export type OperatorAction = 'pause' | 'resume' | 'cancel' | 'retry'

export interface OperatorActionsProps {
  readonly status: ApiExecutionStatus
  readonly busy: OperatorAction | 'signal' | null
  readonly signalOpen: boolean
  readonly onAction: (action: OperatorAction) => void
  readonly onToggleSignal: () => void
}

/** Pause, resume, cancel (asked twice), retry and the signal form's toggle; each enabled when the status allows it. */
export function OperatorActions({ status, busy, signalOpen, onAction, onToggleSignal }: OperatorActionsProps) {
  const [confirmCancel, setConfirmCancel] = useState(false)
  const ended = isTerminal(status)
  const can: Record<OperatorAction, boolean> = {
    pause: status === 'pending' || status === 'running' || status === 'suspended',
    resume: status === 'paused',
    cancel: !ended,
    retry: status === 'failed',
  }
  const button = (action: OperatorAction, label: string, tone = '') => (
    <button
      type="button"
      className={`button ${tone}`}
      disabled={!can[action] || busy !== null}
      onClick={() => onAction(action)}
      data-testid={`action-${action}`}
    >
      {busy === action ? `${label}…` : label}
    </button>
  )
  return (
    <div className="actions" data-testid="operator-actions">
      <button
        type="button"
        className={`button${signalOpen ? ' is-active' : ''}`}
        disabled={ended}
        onClick={onToggleSignal}
        data-testid="action-signal"
        aria-expanded={signalOpen}
      >
        Signal…
      </button>
      {button('pause', 'Pause')}
      {button('resume', 'Resume')}
      {button('retry', 'Retry', 'button--primary')}
      {confirmCancel && can.cancel ? (
        <span className="confirm">
          <button
            type="button"
            className="button button--danger"
            disabled={busy !== null}
            onClick={() => {
              setConfirmCancel(false)
              onAction('cancel')
            }}
            data-testid="action-cancel-confirm"
          >
            Cancel the execution
          </button>
          <button type="button" className="link-button" onClick={() => setConfirmCancel(false)}>
            keep it
          </button>
        </span>
      ) : (
        <button
          type="button"
          className="button button--danger-outline"
          disabled={!can.cancel || busy !== null}
          onClick={() => setConfirmCancel(true)}
          data-testid="action-cancel"
        >
          {busy === 'cancel' ? 'Cancel…' : 'Cancel'}
        </button>
      )}
    </div>
  )
}
