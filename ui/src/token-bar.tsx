import { type FormEvent, useEffect, useState } from 'react'
import { storedToken, storeToken, UNAUTHORIZED_EVENT } from './api/client.js'

/** Asks for the API token when the server refuses a request without one (a server bound beyond loopback). */
export function TokenBar() {
  const [needed, setNeeded] = useState(false)
  const [token, setToken] = useState(storedToken() ?? '')
  useEffect(() => {
    const onUnauthorized = () => setNeeded(true)
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized)
  }, [])
  if (!needed) return null
  const submit = (event: FormEvent) => {
    event.preventDefault()
    storeToken(token.trim())
    location.reload()
  }
  return (
    <form className="token-bar" onSubmit={submit}>
      <span>
        This server needs an API token (<code>--token</code> or <code>TRELLIS_TOKEN</code>).
      </span>
      <input
        type="password"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder="token"
        aria-label="API token"
      />
      <button type="submit" className="button button--primary">
        Use token
      </button>
    </form>
  )
}
