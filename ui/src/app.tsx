import { lazy, Suspense } from 'react'
import { ExecutionsPage } from './pages/executions-page.js'
import { WorkflowsPage } from './pages/workflows-page.js'
import { href, Link, parseRoute, useLocation } from './router.js'
import { TokenBar } from './token-bar.js'

// The graph pages carry React Flow; the list does not wait for it.
const ExecutionPage = lazy(() => import('./pages/execution-page.js').then((m) => ({ default: m.ExecutionPage })))
const WorkflowPage = lazy(() => import('./pages/workflow-page.js').then((m) => ({ default: m.WorkflowPage })))

export function App() {
  const location = useLocation()
  const route = parseRoute(location.pathname)
  const section = route.page === 'workflows' || route.page === 'workflow' ? 'workflows' : 'executions'
  return (
    <div className="app">
      <header className="topbar">
        <Link to={href.executions()} className="brand">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden>
            <rect width="16" height="16" rx="3" fill="#166534" />
            <path d="M4 4h8M8 4v8M5 8h6" stroke="white" strokeWidth="1.6" />
          </svg>
          Trellis
        </Link>
        <nav className="topnav">
          <Link
            to={href.executions()}
            className={section === 'executions' ? 'is-current' : ''}
            data-testid="nav-executions"
          >
            Executions
          </Link>
          <Link
            to={href.workflows()}
            className={section === 'workflows' ? 'is-current' : ''}
            data-testid="nav-workflows"
          >
            Workflows
          </Link>
        </nav>
      </header>
      <TokenBar />
      <main className="main">
        <Suspense fallback={<div className="page muted">Loading…</div>}>
          {route.page === 'executions' && <ExecutionsPage search={location.search} />}
          {route.page === 'execution' && <ExecutionPage key={route.id} id={route.id} />}
          {route.page === 'workflows' && <WorkflowsPage />}
          {route.page === 'workflow' && <WorkflowPage name={route.name} />}
          {route.page === 'not-found' && (
            <div className="page">
              <h1>Not found</h1>
              <p>
                Nothing lives at this address. <Link to={href.executions()}>See the executions.</Link>
              </p>
            </div>
          )}
        </Suspense>
      </main>
    </div>
  )
}
