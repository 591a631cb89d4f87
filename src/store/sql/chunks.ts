/**
 * Most rows in one multi-row INSERT (or ids in one `IN` list). Keeps every statement well under SQLite's 32,766
 * and PostgreSQL's 65,535 bound parameters (the widest table has 29 columns).
 */
export const ROWS_PER_STATEMENT = 500

/** Splits `items` into consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
