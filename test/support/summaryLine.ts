import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain, uncoloured line, `N passed, N failed, N skipped`, after vitest's own
 * summary: the form CI reads to know how many tests ran, so it must be the last line printed.
 */
export default class SummaryLine implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') counts[state]++;
        else counts.skipped++;
      }
      // A file that failed to load has no tests to count, yet the run failed.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) counts.failed++;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
