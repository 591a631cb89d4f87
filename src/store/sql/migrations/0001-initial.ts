import type { Migration } from '../migrate.js'

/**
 * The first schema: executions (state, operator inbox, lease), steps, iterations, the event log and signals.
 * Instants are epoch milliseconds; JSON is TEXT. SQLite tables are STRICT, so a wrong type fails as it does on
 * PostgreSQL instead of being stored as something else.
 */
export default {
  version: 1,
  name: 'initial',
  sqlite: /* sql */ `
    CREATE TABLE executions (
      id TEXT NOT NULL PRIMARY KEY,
      workflow TEXT NOT NULL,
      definition TEXT NOT NULL,
      status TEXT NOT NULL,
      inputs TEXT NOT NULL,
      vars TEXT NOT NULL,
      outputs TEXT NOT NULL,
      error TEXT,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      completed_at INTEGER,
      updated_at INTEGER NOT NULL,
      parent_id TEXT,
      parent_step TEXT,
      parent_index INTEGER,
      run INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      deadline_at INTEGER,
      timeout_remaining_ms INTEGER,
      wake_at INTEGER,
      paused_reason TEXT,
      requests TEXT NOT NULL,
      inbox INTEGER NOT NULL,
      seen_inbox INTEGER NOT NULL,
      holder_id TEXT,
      holder_host TEXT,
      holder_pid INTEGER,
      lease_token INTEGER NOT NULL,
      lease_expires_at INTEGER
    ) STRICT;
    CREATE INDEX executions_status_idx ON executions (status, created_at, id);
    CREATE INDEX executions_workflow_idx ON executions (workflow, created_at, id);
    CREATE INDEX executions_created_idx ON executions (created_at, id);
    CREATE INDEX executions_wake_at_idx ON executions (wake_at) WHERE wake_at IS NOT NULL;
    CREATE INDEX executions_parent_idx ON executions (parent_id) WHERE parent_id IS NOT NULL;
    CREATE INDEX executions_holder_idx ON executions (holder_id) WHERE holder_id IS NOT NULL;
    CREATE INDEX executions_completed_at_idx ON executions (completed_at) WHERE completed_at IS NOT NULL;

    CREATE TABLE steps (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      output TEXT NOT NULL,
      error TEXT,
      started_at INTEGER,
      completed_at INTEGER,
      wake_at INTEGER,
      remaining_ms INTEGER,
      topic TEXT,
      reason TEXT,
      items TEXT,
      PRIMARY KEY (execution_id, name)
    ) STRICT;

    CREATE TABLE iterations (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      step TEXT NOT NULL,
      idx INTEGER NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      output TEXT NOT NULL,
      error TEXT,
      started_at INTEGER,
      completed_at INTEGER,
      wake_at INTEGER,
      remaining_ms INTEGER,
      PRIMARY KEY (execution_id, step, idx)
    ) STRICT;

    CREATE TABLE events (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      at INTEGER NOT NULL,
      step TEXT,
      attempt INTEGER,
      idx INTEGER,
      data TEXT NOT NULL,
      PRIMARY KEY (execution_id, seq)
    ) STRICT;

    CREATE TABLE signals (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      execution_id TEXT NOT NULL REFERENCES executions (id),
      topic TEXT NOT NULL,
      data TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      consumed_by TEXT,
      consumed_at INTEGER
    ) STRICT;
    CREATE INDEX signals_execution_idx ON signals (execution_id, consumed_by, id);
  `,
  postgres: /* sql */ `
    CREATE TABLE executions (
      id TEXT NOT NULL PRIMARY KEY,
      workflow TEXT NOT NULL,
      definition TEXT NOT NULL,
      status TEXT NOT NULL,
      inputs TEXT NOT NULL,
      vars TEXT NOT NULL,
      outputs TEXT NOT NULL,
      error TEXT,
      created_at BIGINT NOT NULL,
      started_at BIGINT,
      completed_at BIGINT,
      updated_at BIGINT NOT NULL,
      parent_id TEXT,
      parent_step TEXT,
      parent_index INTEGER,
      run INTEGER NOT NULL,
      last_seq BIGINT NOT NULL,
      deadline_at BIGINT,
      timeout_remaining_ms BIGINT,
      wake_at BIGINT,
      paused_reason TEXT,
      requests TEXT NOT NULL,
      inbox BIGINT NOT NULL,
      seen_inbox BIGINT NOT NULL,
      holder_id TEXT,
      holder_host TEXT,
      holder_pid INTEGER,
      lease_token BIGINT NOT NULL,
      lease_expires_at BIGINT
    );
    CREATE INDEX executions_status_idx ON executions (status, created_at, id);
    CREATE INDEX executions_workflow_idx ON executions (workflow, created_at, id);
    CREATE INDEX executions_created_idx ON executions (created_at, id);
    CREATE INDEX executions_wake_at_idx ON executions (wake_at) WHERE wake_at IS NOT NULL;
    CREATE INDEX executions_parent_idx ON executions (parent_id) WHERE parent_id IS NOT NULL;
    CREATE INDEX executions_holder_idx ON executions (holder_id) WHERE holder_id IS NOT NULL;
    CREATE INDEX executions_completed_at_idx ON executions (completed_at) WHERE completed_at IS NOT NULL;

    CREATE TABLE steps (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      output TEXT NOT NULL,
      error TEXT,
      started_at BIGINT,
      completed_at BIGINT,
      wake_at BIGINT,
      remaining_ms BIGINT,
      topic TEXT,
      reason TEXT,
      items TEXT,
      PRIMARY KEY (execution_id, name)
    );

    CREATE TABLE iterations (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      step TEXT NOT NULL,
      idx INTEGER NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      output TEXT NOT NULL,
      error TEXT,
      started_at BIGINT,
      completed_at BIGINT,
      wake_at BIGINT,
      remaining_ms BIGINT,
      PRIMARY KEY (execution_id, step, idx)
    );

    CREATE TABLE events (
      execution_id TEXT NOT NULL REFERENCES executions (id),
      seq BIGINT NOT NULL,
      type TEXT NOT NULL,
      at BIGINT NOT NULL,
      step TEXT,
      attempt INTEGER,
      idx INTEGER,
      data TEXT NOT NULL,
      PRIMARY KEY (execution_id, seq)
    );

    CREATE TABLE signals (
      id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      execution_id TEXT NOT NULL REFERENCES executions (id),
      topic TEXT NOT NULL,
      data TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      consumed_by TEXT,
      consumed_at BIGINT
    );
    CREATE INDEX signals_execution_idx ON signals (execution_id, consumed_by, id);
  `,
} satisfies Migration
