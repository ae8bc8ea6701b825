import { defineConfig } from 'vitest/config';

// Integration tests talk to real services on 127.0.0.1 (RabbitMQ, PostgreSQL, NATS, rsyslog),
// so files run in parallel only up to the two cores this machine has, and timeouts are generous.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
