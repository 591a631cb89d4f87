import type { Migration } from '../migrate.js'
import m0001 from './0001-initial.js'
import m0002 from './0002-live-executions-index.js'
import m0003 from './0003-attempts.js'

/**
 * Every schema change, numbered from 1 with no gap, each with a body per dialect. Append only: a migration that
 * has shipped is never edited (databases in the field have applied it); change the schema with a new one.
 */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003]
