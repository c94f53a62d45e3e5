import type { Plan } from '@dockercise/shared/language';

const EXTENSIONS = ['.dockercise.yaml', '.dockercise.yml'];

/**
 * Which gates `--approve=<names>` means. A gate is named after its file; the user may write the
 * file's path, or drop the extension (`deploy` for `deploy.dockercise.yaml`). A name that fits no
 * gate, or more than one, is refused with the list of gates, so a typo never runs past a gate or
 * stops silently at it.
 */
export function resolveGates(
  plan: Plan,
  names: readonly string[],
): { ok: true; gates: Set<string> } | { ok: false; message: string } {
  const gates = plan.gates.map((g) => g.name);
  const listed = gates.length === 0 ? 'this pipeline has no gates' : `the gates are ${gates.join(', ')}`;
  const chosen = new Set<string>();
  for (const name of names) {
    // A step's own gate is named by the step: that name, exactly, wins over a file's of the same stem.
    const exact = gates.filter((gate) => gate === name);
    const matches = exact.length > 0 ? exact : gates.filter((gate) => withoutExtension(gate) === name);
    const byFile =
      matches.length > 0
        ? matches
        : gates.filter((gate) => withoutExtension(gate.slice(gate.lastIndexOf('/') + 1)) === name);
    if (byFile.length !== 1) {
      const why = byFile.length === 0 ? `no gate named ${name}` : `${name} names several gates`;
      return { ok: false, message: `${why}; ${listed}` };
    }
    chosen.add(byFile[0] as string);
  }
  return { ok: true, gates: chosen };
}

function withoutExtension(path: string): string {
  const ext = EXTENSIONS.find((e) => path.endsWith(e));
  return ext ? path.slice(0, -ext.length) : path;
}
