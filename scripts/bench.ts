// `npm run bench`: runs every scripts/bench-<area>.js section and writes docs/benchmarks.md.
// Usage: node dist/scripts/bench.js [area…] (default: all areas)
import { readdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const ORDER = ['lint', 'memory', 'parser', 'pg', 'rules', 'discovery', 'app', 'trace', 'load'];

async function main() {
  const wanted = process.argv.slice(2);
  const areas = readdirSync(here)
    .map((f) => /^bench-(.+)\.js$/.exec(f)?.[1])
    .filter((a): a is string => !!a && (wanted.length === 0 || wanted.includes(a)))
    .sort((a, b) => rank(a) - rank(b));
  const root = join(here, '..', '..');
  const out = join(root, 'docs', 'benchmarks.md');
  const sections = new Map<string, string>(existsSync(out) ? splitSections(readFileSync(out, 'utf8')) : []);
  for (const area of areas) {
    console.error(`bench: ${area}…`);
    const mod = (await import(join(here, `bench-${area}.js`))) as { run: () => Promise<string> };
    sections.set(area, (await mod.run()).trim());
  }
  const header = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (\`node dist/scripts/bench.js [area…]\`). Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. Each section records when it was last run.`,
    '',
  ].join('\n');
  const body = [...sections]
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([area, text]) => `<!-- bench:${area} -->\n${text}\n<!-- /bench:${area} -->`)
    .join('\n\n');
  writeFileSync(out, `${header}\n${body}\n`);
  console.error(`bench: wrote ${out}`);
}

function rank(area: string): number {
  const i = ORDER.indexOf(area);
  return i < 0 ? ORDER.length : i;
}

function splitSections(md: string): [string, string][] {
  return [...md.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g)].map((m) => [m[1]!, m[2]!]);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
