// The GitHub Action's entry (bundled into dist-action/index.mjs): the action's inputs arrive
// as INPUT_* variables; everything else is the workflow's own environment.
import { CiUsageError, parseInputs, runCi } from './index.js';

function input(name: string): string | undefined {
  return process.env[`INPUT_${name.toUpperCase()}`];
}

async function main(): Promise<number> {
  const io = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };
  try {
    const inputs = parseInputs({
      token: input('github-token'),
      config: input('config'),
      'fail-on': input('fail-on'),
      'pg-version': input('pg-version'),
      trace: input('trace'),
      paths: input('paths'),
      'sarif-file': input('sarif-file'),
      anthropicApiKey: input('anthropic-api-key'),
    });
    return await runCi(inputs, { env: process.env, cwd: process.cwd(), io });
  } catch (err) {
    if (err instanceof CiUsageError) {
      io.out(`::error title=dbarch::${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stdout.write(`::error title=dbarch::internal error: ${String((err as Error)?.message ?? err).replace(/\r?\n/g, '%0A')}\n`);
    process.stderr.write(`dbarch: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
