/** A JSON value, pretty-printed; `empty` when there is nothing to show. */
export function JsonView({ value, empty = 'none', testId }: { value: unknown; empty?: string; testId?: string }) {
  const isEmpty =
    value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0)
  if (isEmpty)
    return (
      <div className="json json--empty" data-testid={testId}>
        {empty}
      </div>
    )
  return (
    <pre className="json" data-testid={testId}>
      {JSON.stringify(value, null, 2)}
    </pre>
  )
}
