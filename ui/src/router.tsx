import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react'

/** The pages and their addresses. */
export type Route =
  | { readonly page: 'executions' }
  | { readonly page: 'execution'; readonly id: string }
  | { readonly page: 'workflows' }
  | { readonly page: 'workflow'; readonly name: string }
  | { readonly page: 'not-found' }

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent)
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'executions')) return { page: 'executions' }
  if (parts.length === 2 && parts[0] === 'executions') return { page: 'execution', id: parts[1]! }
  if (parts.length === 1 && parts[0] === 'workflows') return { page: 'workflows' }
  if (parts.length === 2 && parts[0] === 'workflows') return { page: 'workflow', name: parts[1]! }
  return { page: 'not-found' }
}

export const href = {
  executions: (query?: URLSearchParams) => (query === undefined || query.size === 0 ? '/' : `/?${query.toString()}`),
  execution: (id: string) => `/executions/${encodeURIComponent(id)}`,
  workflows: () => '/workflows',
  workflow: (name: string) => `/workflows/${encodeURIComponent(name)}`,
}

const CHANGE = 'trellis:navigate'

/** Goes to `to` without reloading; `replace` rewrites the current history entry (filters). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return
  if (options.replace === true) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  window.dispatchEvent(new Event(CHANGE))
  if (options.replace !== true) window.scrollTo(0, 0)
}

/** The current address (`search` as written, `?a=1`); re-renders on navigation and on back and forward. */
export function useLocation(): { pathname: string; search: string } {
  const [state, setState] = useState(() => ({ pathname: location.pathname, search: location.search }))
  useEffect(() => {
    const update = () => setState({ pathname: location.pathname, search: location.search })
    window.addEventListener('popstate', update)
    window.addEventListener(CHANGE, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(CHANGE, update)
    }
  }, [])
  return state
}

/** An anchor that navigates in the page (a modified click still opens a new tab). */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event)
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return
    event.preventDefault()
    navigate(to)
  }
  return <a href={to} {...rest} onClick={onClick} />
}
