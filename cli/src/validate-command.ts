import { planSummary, planToDot } from '@dockercise/shared/language';
import { loadPlan, printDiagnostics } from './load-plan.js';

export async function validateCommand(dir: string, format: 'text' | 'json' | 'dot'): Promise<number> {
  const loaded = await loadPlan(dir);
  if (!loaded.ok) {
    printDiagnostics(loaded.diagnostics, process.stderr);
    return 1;
  }
  const text =
    format === 'json'
      ? `${JSON.stringify(loaded.plan, null, 2)}\n`
      : format === 'dot'
        ? planToDot(loaded.plan)
        : `${planSummary(loaded.plan)}\n`;
  process.stdout.write(text);
  return 0;
}
