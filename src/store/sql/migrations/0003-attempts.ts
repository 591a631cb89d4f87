import type { Migration } from '../migrate.js'

/**
 * Attempts handed to workers (typescript-api.md, "Who runs an execution"): a detached execution's ready steps and
 * iterations, one row each while the attempt is in flight. The decision that starts an attempt inserts its row with
 * the input rendered then; a worker claims it (a lease: holder, token, expiry, renewed by its heartbeat); the
 * decision that follows its end deletes it, in the same transaction as the step's new state. `idx` is -1 for a step
 * that is not a `for_each` iteration. Two partial indexes: rows nobody holds yet, in claim order, and held rows by
 * expiry (a dead worker's attempts are found the moment their lease passes). And `executions.version`, which every
 * commit of an execution's state advances, so a worker that decided on an execution last can reuse what it holds in
 * memory instead of reading the execution again.
 */
export default {
  version: 3,
  name: 'attempts',
  sqlite: /* sql */ `
    ALTER TABLE executions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE attempts (
      execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
      step TEXT NOT NULL,
      idx INTEGER NOT NULL,
      attempt INTEGER NOT NULL,
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      input TEXT NOT NULL,
      timeout_ms INTEGER,
      created_at INTEGER NOT NULL,
      holder_id TEXT,
      holder_host TEXT,
      holder_pid INTEGER,
      lease_token INTEGER NOT NULL DEFAULT 0,
      lease_expires_at INTEGER,
      PRIMARY KEY (execution_id, step, idx)
    );
    CREATE INDEX attempts_ready_idx ON attempts (created_at) WHERE holder_id IS NULL;
    CREATE INDEX attempts_held_idx ON attempts (lease_expires_at) WHERE holder_id IS NOT NULL;
    CREATE INDEX attempts_holder_idx ON attempts (holder_id) WHERE holder_id IS NOT NULL;
  `,
  postgres: /* sql */ `
    ALTER TABLE executions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE attempts (
      execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
      step TEXT NOT NULL,
      idx INTEGER NOT NULL,
      attempt INTEGER NOT NULL,
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      input TEXT NOT NULL,
      timeout_ms BIGINT,
      created_at BIGINT NOT NULL,
      holder_id TEXT,
      holder_host TEXT,
      holder_pid INTEGER,
      lease_token BIGINT NOT NULL DEFAULT 0,
      lease_expires_at BIGINT,
      PRIMARY KEY (execution_id, step, idx)
    );
    CREATE INDEX attempts_ready_idx ON attempts (created_at) WHERE holder_id IS NULL;
    CREATE INDEX attempts_held_idx ON attempts (lease_expires_at) WHERE holder_id IS NOT NULL;
    CREATE INDEX attempts_holder_idx ON attempts (holder_id) WHERE holder_id IS NOT NULL;
  `,
} satisfies Migration
