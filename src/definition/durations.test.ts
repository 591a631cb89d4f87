import { describe, expect, it } from 'vitest'
import { parseDuration } from '../util/index.js'
import { DURATION_PATTERN } from './file-schema.js'
import { checkWorkflow, loadWorkflow } from './load.js'

// workflow-format.md, "Durations": `250ms`, `30s`, `5m`, `2h`, `1d`, combinations (`1h30m`); a bare number means
// seconds. Checked wherever a duration is written: timeout, defaults.timeout, sleep (when constant), wait.timeout,
// retry.delay and retry.max_delay.

function problems(text: string): string[] {
  return checkWorkflow({ text, file: 'd.yaml' }).map(
    (p) => `${p.path} @ ${p.loc?.line ?? '-'}:${p.loc?.column ?? '-'}: ${p.message}`,
  )
}

const BAD = 'expected a duration like 250ms, 30s, 5m, 2h, 1d or 1h30m, or a number of seconds'

describe('durations', () => {
  it('accepts 250ms, 30s, 5m, 2h, 1d, combinations and bare numbers of seconds, in ms', () => {
    const cases: [string, number][] = [
      ['250ms', 250],
      ['30s', 30_000],
      ['5m', 300_000],
      ['2h', 7_200_000],
      ['1d', 86_400_000],
      ['1h30m', 5_400_000],
      ['1m30s500ms', 90_500],
      ['1.5s', 1_500],
      ['90', 90_000],
      ['0.25', 250],
    ]
    for (const [written, ms] of cases) {
      const text = `trellis: 1\nname: x\ntimeout: ${written}\nsteps:\n  a: { action: x, timeout: ${written}, retry: { delay: ${written} } }\n`
      const workflow = loadWorkflow({ text, file: null })
      expect([workflow.timeoutMs, workflow.steps.a!.timeoutMs, workflow.steps.a!.retry.delayMs]).toEqual([ms, ms, ms])
    }
  })

  it('rejects bad durations in timeout, defaults.timeout, sleep, wait.timeout, retry.delay and retry.max_delay', () => {
    const text = [
      'trellis: 1',
      'name: x',
      'timeout: 1 hour',
      'defaults: { timeout: 5mins }',
      'steps:',
      '  a: { action: x, timeout: "-1s", retry: { delay: 1w, max_delay: true } }',
      '  b: { sleep: soon }',
      '  c: { wait: { signal: s, timeout: 1h-30m } }',
      '',
    ].join('\n')
    expect(problems(text)).toEqual([
      `timeout @ 3:10: ${BAD}`,
      `defaults.timeout @ 4:22: ${BAD}`,
      `steps.a.timeout @ 6:28: ${BAD}`,
      `steps.a.retry.delay @ 6:51: ${BAD}`,
      `steps.a.retry.max_delay @ 6:66: ${BAD}`,
      `steps.b.sleep @ 7:15: ${BAD}, or a {{ }} template giving one`,
      `steps.c.wait.timeout @ 8:36: ${BAD}`,
    ])
  })

  it('rejects a negative number of seconds', () => {
    expect(problems('trellis: 1\nname: x\nsteps:\n  a: { sleep: -5 }\n')).toEqual([
      'steps.a.sleep @ 4:15: a duration cannot be negative',
    ])
    expect(problems('trellis: 1\nname: x\ntimeout: -5\nsteps:\n  a: { sleep: 5 }\n')).toEqual([
      'timeout @ 3:10: a duration cannot be negative',
    ])
  })

  it('rejects zero timeouts (a limit must be longer than 0) but allows a zero sleep and retry delay', () => {
    const text =
      'trellis: 1\nname: x\ntimeout: 0s\nsteps:\n  a: { action: x, timeout: 0, retry: { delay: 0s } }\n  b: { wait: { signal: s, timeout: 0ms } }\n  c: { sleep: 0 }\n'
    expect(problems(text)).toEqual([
      'timeout @ 3:10: must be longer than 0',
      'steps.a.timeout @ 5:28: must be longer than 0',
      'steps.b.wait.timeout @ 6:36: must be longer than 0',
    ])
  })

  it('keeps a sleep as written: a duration, a number of seconds, or a template giving one', () => {
    const text =
      'trellis: 1\nname: x\ninputs: { d: {} }\nsteps:\n  a: { sleep: 1h30m }\n  b: { sleep: 5 }\n  c: { sleep: "{{ inputs.d }}" }\n'
    const steps = loadWorkflow({ text, file: null }).steps
    expect([steps.a, steps.b, steps.c]).toMatchObject([{ sleep: '1h30m' }, { sleep: 5 }, { sleep: '{{ inputs.d }}' }])
  })

  it('has a file schema pattern that accepts exactly what parseDuration accepts', () => {
    const samples = [
      '1s',
      '250ms',
      '1h30m',
      '1.5h',
      '10',
      '0',
      ' 5m ',
      '1d2h3m4s5ms',
      '',
      's',
      '1',
      '1x',
      '1 h',
      '1h 30m',
      '-1s',
      '.5s',
      '1e3',
      '5S',
    ]
    for (const sample of samples) {
      expect([sample, DURATION_PATTERN.test(sample)]).toEqual([sample, parseDuration(sample) !== undefined])
    }
  })
})
