import type { RetryPolicy } from '../definition/index.js'

/**
 * The delay before retry `retry` (1 = the second attempt), per workflow-format.md: `delay` (constant),
 * `delay * k` (linear) or `delay * factor^(k-1)` (exponential), capped at `max_delay`; with jitter, a uniform
 * random value in `[0, that]`.
 */
export function retryDelayMs(
  policy: Pick<RetryPolicy, 'backoff' | 'delayMs' | 'factor' | 'maxDelayMs' | 'jitter'>,
  retry: number,
  random: () => number,
): number {
  let delay: number
  switch (policy.backoff) {
    case 'constant':
      delay = policy.delayMs
      break
    case 'linear':
      delay = policy.delayMs * retry
      break
    case 'exponential':
      delay = policy.delayMs * policy.factor ** (retry - 1)
      break
  }
  if (policy.maxDelayMs !== null) delay = Math.min(delay, policy.maxDelayMs)
  if (!Number.isFinite(delay)) delay = policy.maxDelayMs ?? Number.MAX_SAFE_INTEGER
  return Math.round(policy.jitter ? random() * delay : delay)
}
