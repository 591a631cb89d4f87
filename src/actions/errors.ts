import { TrellisError } from '../util/index.js'

/** Why a registry refused an action. */
export type ActionRegistrationProblem = 'invalid-name' | 'reserved' | 'duplicate' | 'not-a-function'

/** What went wrong when an action was named or registered. */
export interface ActionRegistrationErrorOptions {
  readonly problem: ActionRegistrationProblem
  readonly actionName: string
  /** Where the refused action came from (`./actions.ts#charge`, `defineAction`). */
  readonly origin: string
  /** With `duplicate`: where the action that holds the name came from. */
  readonly takenBy?: string
  /** With `not-a-function`: what was given instead. */
  readonly got?: string
}

/** An action cannot be registered under that name: not a valid name, reserved, already taken, or not a function. */
export class ActionRegistrationError extends TrellisError {
  readonly code = 'INVALID_OPTION'
  readonly problem: ActionRegistrationProblem
  readonly actionName: string
  readonly origin: string
  readonly takenBy: string | null

  constructor(options: ActionRegistrationErrorOptions) {
    super(registrationMessage(options))
    this.problem = options.problem
    this.actionName = options.actionName
    this.origin = options.origin
    this.takenBy = options.takenBy ?? null
  }
}

function registrationMessage(o: ActionRegistrationErrorOptions): string {
  const name = JSON.stringify(o.actionName)
  switch (o.problem) {
    case 'invalid-name':
      return (
        `Invalid action name ${name} (from ${o.origin}): a name is one or more dot-separated parts of letters, ` +
        `digits, "_" and "-", each starting with a letter or "_", like "billing.charge".`
      )
    case 'reserved':
      return (
        `Action name ${name} (from ${o.origin}) is reserved for the built-in actions (core.*, shell, http). ` +
        `Choose another name, for example "app.${o.actionName.replace(/^core\./, '')}".`
      )
    case 'duplicate':
      return `Action name ${name} is taken twice: by ${o.takenBy ?? 'another action'} and by ${o.origin}. Rename one of them.`
    case 'not-a-function':
      return `Action ${name} (from ${o.origin}) must be a function; got ${o.got ?? 'something else'}.`
  }
}

/** `registry.get(name)` found no action by that name. */
export class ActionNotFoundError extends TrellisError {
  readonly code = 'NOT_FOUND'
  readonly actionName: string

  constructor(actionName: string, known: readonly string[]) {
    super(notFoundMessage(actionName, known))
    this.actionName = actionName
  }
}

function notFoundMessage(name: string, known: readonly string[]): string {
  const guess = closestName(name, known)
  const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`
  return (
    `Unknown action "${name}"${hint}. Register it with --actions MODULE or engine options, ` +
    `or use a built-in: core.noop, core.echo, core.fail, core.sleep, shell, http.`
  )
}

/** The known name within a small edit distance of `name`, if there is one. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** An actions module could not be loaded: missing, unsupported, broken, or exporting something unusable. */
export class ActionModuleError extends TrellisError {
  readonly code = 'INVALID_OPTION'
  /** The module's path as given. */
  readonly file: string

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.file = file
  }
}
