/** Text in which `backticked` words (step names, topics) are shown as code. */
export function CodeText({ text }: { text: string }) {
  const parts = text.split('`')
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>
}
