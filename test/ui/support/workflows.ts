/** The workflow the live UI test starts: a slow step, a retried one, a wait for a person, then the end. */
export const APPROVAL_WORKFLOW = 'ui-approval'

export const APPROVAL_SOURCE = `trellis: 1
name: ${APPROVAL_WORKFLOW}
description: Prepare an order, wait for a person to approve it, then ship it.
inputs:
  order_id: { type: string, description: the order to ship }
  amount: { type: number, default: 10 }
  express: { type: boolean, default: false }
  items: { type: array, default: [book, pen] }
steps:
  prepare:
    action: core.sleep
    with: { duration: 1500ms }
  check:
    needs: [prepare]
    action: core.fail
    with: { attempts: 1, message: stock service timed out }
    retry: { max_attempts: 3, delay: 300ms }
  approve:
    needs: [check]
    wait: { signal: approval }
  ship:
    needs: [approve]
    action: core.echo
    with: { value: "shipped {{ inputs.order_id }} by {{ steps.approve.output.by }}" }
outputs:
  shipped: "{{ steps.ship.output }}"
`

/** A workflow whose second step always fails: for the Retry button. */
export const FAILING_WORKFLOW = 'ui-failing'

export const FAILING_SOURCE = `trellis: 1
name: ${FAILING_WORKFLOW}
steps:
  fetch: { action: core.echo, with: { value: 1 } }
  charge: { needs: [fetch], action: core.fail, with: { message: card declined, code: CARD_DECLINED } }
`
