import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type EventType } from './types.js'

describe('event types', () => {
  it('are exactly the ones documented in docs/events.md, in the same order', () => {
    const page = readFileSync(resolve(import.meta.dirname, '../../docs/events.md'), 'utf8')
    const documented = [...page.matchAll(/^\| `([a-z]+\.[a-z]+)` \|/gm)].map((m) => m[1])
    expect(documented).toEqual([...EVENT_TYPES])
  })

  it('the list covers every member of the EventType union', () => {
    const all: Record<EventType, true> = {
      'execution.started': true,
      'step.started': true,
      'step.completed': true,
      'step.retrying': true,
      'step.failed': true,
      'step.skipped': true,
      'step.waiting': true,
      'step.cancelled': true,
      'signal.received': true,
      'execution.suspended': true,
      'execution.paused': true,
      'execution.resumed': true,
      'execution.completed': true,
      'execution.failed': true,
      'execution.cancelled': true,
    }
    expect(Object.keys(all).sort()).toEqual([...EVENT_TYPES].sort())
  })
})
