// Ends a test run with one plain line, `Tests: N passed, N failed, N skipped`, that any CI can read.
// It hooks onFinished, which runs after the default reporter has printed its own summary.
export default class SummaryReporter {
  onFinished(files = []) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task) => {
      if (task.type === 'test') {
        const state = task.result?.state;
        if (state === 'pass') counts.passed++;
        else if (state === 'fail') counts.failed++;
        else counts.skipped++;
      }
      for (const child of task.tasks ?? []) visit(child);
    };
    for (const file of files) visit(file);
    process.stdout.write(
      `\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
