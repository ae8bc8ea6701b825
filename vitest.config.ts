import { defineConfig } from 'vitest/config';

// Integration tests talk to real services on 127.0.0.1 (RabbitMQ, PostgreSQL, NATS, rsyslog),
// so files run in parallel only up to the two cores this machine has, and timeouts are generous.
//
// Two projects: `main` (every file, in parallel) and then `serial` (faults that hit the whole
// shared broker — a RabbitMQ restart, close_all_connections — run alone, after `main`).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup/no-ambient-proxy.ts'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['test/serial/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: ['test/serial/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
