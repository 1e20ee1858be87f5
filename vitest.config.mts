import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // botbuilder keeps sockets and timers that are slow to close; forks isolate them per file.
    pool: 'forks',
    reporters: ['default', './test/support/summaryLine.ts'],
    // A throwaway redis-server for the Redis tests when REDIS_TEST_URL is not set and one is installed.
    globalSetup: ['./test/support/redisServer.ts'],
  },
});
