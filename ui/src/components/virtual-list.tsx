import { type Key, type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'

export interface VirtualListProps<T> {
  readonly items: readonly T[]
  /** Every row has this height, in pixels. */
  readonly rowHeight: number
  readonly rowKey: (item: T, index: number) => Key
  readonly renderRow: (item: T, index: number) => ReactNode
  /** Called when the last rows come into view (load the next page). */
  readonly onEndReached?: () => void
  /** Keep the view at the bottom as items are added, while the reader is there (a live log). */
  readonly followEnd?: boolean
  readonly className?: string
  readonly testId?: string
  readonly empty?: ReactNode
}

const OVERSCAN = 8

/**
 * A scrolling list that renders only the rows in view (plus a few), so thousands of rows cost what a screenful
 * costs. Rows are absolutely placed in a spacer as tall as the whole list.
 */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, rowKey, renderRow, onEndReached, followEnd = false } = props
  const viewport = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(600)
  const atEnd = useRef(true)

  useLayoutEffect(() => {
    const element = viewport.current
    if (element === null) return
    setHeight(element.clientHeight)
    const observer = new ResizeObserver(() => setHeight(element.clientHeight))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  const onScroll = useCallback(() => {
    const element = viewport.current
    if (element === null) return
    setScrollTop(element.scrollTop)
    atEnd.current = element.scrollTop + element.clientHeight >= element.scrollHeight - rowHeight
  }, [rowHeight])

  useLayoutEffect(() => {
    const element = viewport.current
    if (followEnd && atEnd.current && element !== null) {
      element.scrollTop = element.scrollHeight
      setScrollTop(element.scrollTop)
    }
  }, [items.length, followEnd])

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN)
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN)

  const nearEnd = last >= items.length - OVERSCAN
  useEffect(() => {
    if (nearEnd) onEndReached?.()
  }, [nearEnd, items.length, onEndReached])

  const rows: ReactNode[] = []
  for (let i = first; i < last; i++) {
    const item = items[i]!
    rows.push(
      <div key={rowKey(item, i)} className="vlist__row" style={{ top: i * rowHeight, height: rowHeight }}>
        {renderRow(item, i)}
      </div>,
    )
  }
  return (
    <div
      ref={viewport}
      className={`vlist ${props.className ?? ''}`}
      onScroll={onScroll}
      data-testid={props.testId}
      data-count={items.length}
    >
      {items.length === 0 && props.empty}
      <div className="vlist__spacer" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  )
}
