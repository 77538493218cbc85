// Precision on real migrations: runs the analyzer over ../shared/corpus (default config, the
// built-in rules), draws a stratified random sample of error and warning findings with a fixed
// seed, and prints it with the statement text so each finding can be labelled by hand.
// The labels live in test/precision/labels.json; test/precision/precision.test.ts re-runs them
// and docs/precision.md is written from them.
// Usage: node dist/scripts/precision.js sample [--per-rule N]   (new sample → stdout, JSON)
//        node dist/scripts/precision.js sample --new               (strata not labelled yet)
//        node dist/scripts/precision.js table                   (labels → docs/precision.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { configSchema } from '../src/config/schema.js';
import { corpusDir, corpusFiles, loadCorpus } from './corpus.js';

export type Label = 'true' | 'false' | 'debatable';

export interface SampledFinding {
  project: string;
  path: string;
  line: number;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

export interface LabelledFinding extends SampledFinding {
  label: Label;
  reason: string;
  /** A false finding the rules still report (the plan is in the notes); absent once fixed. */
  stillFires?: boolean;
  /**
   * Drawn after a model change from the findings it added (seed 12, up to 5 per stratum), so
   * new verdicts are labelled too; the original draw is left as it was.
   */
  supplement?: boolean;
}

export interface LabelFile {
  seed: number;
  perRule: number;
  /** Findings per stratum (severity + rule) in the corpus when the sample was drawn. */
  population: Record<string, number>;
  findings: LabelledFinding[];
}

export const LABELS_PATH = join(import.meta.dirname, '../test/precision/labels.json');
/** The path written in the repo, whether run from src or dist. */
const labelsPath = () => LABELS_PATH.replace(/\/dist\/test\//, '/test/');

/** Every error and warning of the built-in rules on every corpus file, in apply order. */
export async function corpusFindings(dir: string, projects?: ReadonlySet<string>): Promise<SampledFinding[]> {
  const config = configSchema.parse({ engines: ['builtin'] });
  const out: SampledFinding[] = [];
  for (const project of loadCorpus(dir)) {
    if (projects && !projects.has(project.name)) continue;
    const report = await analyze({ files: corpusFiles(project), config });
    for (const file of report.files) {
      for (const f of file.findings) {
        if (f.severity !== 'error' && f.severity !== 'warning') continue;
        if (f.rule === 'syntax-error' || f.rule === 'internal-error') continue;
        out.push({ project: project.name, path: file.path, line: f.line, rule: f.rule, severity: f.severity, message: f.message });
      }
    }
  }
  return out;
}

export const findingKey = (f: SampledFinding) => `${f.project}/${f.path}:${f.line} ${f.severity} ${f.rule}`;
export const stratum = (f: Pick<SampledFinding, 'severity' | 'rule'>) => `${f.severity} ${f.rule}`;

/** mulberry32: a small seeded generator, so the sample is the same on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Equal allocation per stratum (severity + rule): every rule that fires appears. */
export function drawSample(all: SampledFinding[], seed: number, perRule: number) {
  const strata = new Map<string, SampledFinding[]>();
  for (const f of all) strata.set(stratum(f), [...(strata.get(stratum(f)) ?? []), f]);
  const rand = random(seed);
  const sample: SampledFinding[] = [];
  const population: Record<string, number> = {};
  for (const key of [...strata.keys()].sort()) {
    const list = strata.get(key)!;
    population[key] = list.length;
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    sample.push(...shuffled.slice(0, perRule));
  }
  return { sample, population };
}

export interface RuleRow {
  stratum: string;
  population: number;
  labelled: number;
  true: number;
  false: number;
  debatable: number;
  /** Labelled false and no longer reported: out of the precision now. */
  fixed: number;
}

/** Per-stratum counts; precision counts debatable findings as not true. */
export function precisionTable(labels: LabelFile): RuleRow[] {
  const rows = new Map<string, RuleRow>();
  for (const f of labels.findings) {
    const key = stratum(f);
    const row = rows.get(key) ?? { stratum: key, population: labels.population[key] ?? 0, labelled: 0, true: 0, false: 0, debatable: 0, fixed: 0 };
    row.labelled++;
    if (f.label === 'false' && !f.stillFires) row.fixed++;
    else row[f.label]++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.stratum.localeCompare(b.stratum));
}

/** Findings of the row still reported today. */
export const reported = (r: RuleRow) => r.labelled - r.fixed;

/** Precision of what the rules report today (true / still reported), in the sample and weighted by stratum size. */
export function severityPrecision(rows: RuleRow[], severity: 'error' | 'warning') {
  const mine = rows.filter((r) => r.stratum.startsWith(`${severity} `));
  const labelled = mine.reduce((a, r) => a + r.labelled, 0);
  const now = mine.reduce((a, r) => a + reported(r), 0);
  const truePos = mine.reduce((a, r) => a + r.true, 0);
  const pop = mine.reduce((a, r) => a + r.population, 0);
  const weighted = mine.reduce((a, r) => a + (reported(r) ? (r.population * r.true) / reported(r) : r.population), 0);
  return { labelled, reported: now, true: truePos, sample: now ? truePos / now : 1, weighted: pop ? weighted / pop : 1, population: pop };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function precisionMarkdown(labels: LabelFile, notes: Record<string, string>): string {
  const rows = precisionTable(labels);
  const lines = ['# Precision on real migrations', ''];
  lines.push(
    `A stratified random sample of the error and warning findings of dbarch's built-in rules on \`../shared/corpus\` (default config, PostgreSQL 15): every rule and severity that fires is a stratum, and up to ${labels.perRule} findings per stratum were drawn with seed ${labels.seed} (\`node dist/scripts/precision.js sample\`). Each finding was labelled by reading the statement in its migration history, as a DBA reviewing the pull request would: **true** (the hazard is real where it runs), **false** (it is not), **debatable** (depends on facts the file does not show, e.g. table size). The labels, with a one-line reason each, are in \`test/precision/labels.json\`; \`test/precision/precision.test.ts\` re-runs them and fails when a true finding disappears or a false one comes back.`,
    '',
    'Findings the model started to report after the sample was drawn were drawn the same way (seed 12, up to 5 per stratum, among the new findings only) and labelled as well (`supplement` in the labels).',
    '',
    'Precision = true / still reported (debatable counts against). Findings labelled false that the rules no longer report after the fixes are counted as *fixed* and leave the denominator. "Weighted" weighs each stratum by its number of findings in the corpus (population counts are from when the sample was drawn).',
    '',
    '| severity | labelled | fixed since | still reported | true | precision (sample) | precision (weighted) | findings in corpus |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const severity of ['error', 'warning'] as const) {
    const p = severityPrecision(rows, severity);
    lines.push(`| ${severity} | ${p.labelled} | ${p.labelled - p.reported} | ${p.reported} | ${p.true} | ${pct(p.sample)} | ${pct(p.weighted)} | ${p.population} |`);
  }
  lines.push('', '## Per rule', '', '| severity | rule | in corpus | labelled | true | false | debatable | fixed | precision |', '|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const [severity, rule] = r.stratum.split(' ');
    lines.push(`| ${severity} | [${rule}](rules/${rule}.md) | ${r.population} | ${r.labelled} | ${r.true} | ${r.false} | ${r.debatable} | ${r.fixed} | ${reported(r) ? pct(r.true / reported(r)) : '—'} |`);
  }
  const below = Object.entries(notes);
  if (below.length) {
    lines.push('', '## Below target, and what happens next', '');
    for (const [rule, note] of below) lines.push(`- **${rule}**: ${note}`);
  }
  lines.push('', '## False and debatable findings', '', '| finding | label | reason |', '|---|---|---|');
  for (const f of labels.findings.filter((x) => x.label !== 'true')) {
    const state = f.label === 'false' && !f.stillFires ? 'false, fixed' : f.label;
    lines.push(`| \`${f.project}/${f.path}:${f.line}\` ${f.rule} (${f.severity}) | ${state} | ${f.reason.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const [cmd = 'sample', ...rest] = process.argv.slice(2);
  if (cmd === 'table') {
    const labels = JSON.parse(readFileSync(labelsPath(), 'utf8')) as LabelFile & { notes?: Record<string, string> };
    writeFileSync(join(import.meta.dirname, '../../docs/precision.md'), precisionMarkdown(labels, labels.notes ?? {}));
    return;
  }
  const dir = corpusDir();
  if (!dir) throw new Error('corpus not found: set DBARCH_CORPUS or put it at ../shared/corpus');
  const perRule = Number(rest[rest.indexOf('--per-rule') + 1] ?? 5) || 5;
  const seed = 12;
  let all = await corpusFindings(dir);
  // --new: only strata the labels do not cover yet (rules added since), so the labelled sample stays as drawn
  if (rest.includes('--new')) {
    const labelled = JSON.parse(readFileSync(labelsPath(), 'utf8')) as LabelFile;
    all = all.filter((f) => !(stratum(f) in labelled.population));
  }
  const { sample, population } = drawSample(all, seed, perRule);
  const withText = sample.map((f) => {
    const text = readFileSync(join(dir, f.project, f.path), 'utf8').split('\n');
    return { ...f, text: text.slice(f.line - 1, f.line + 2).join('\n') };
  });
  process.stdout.write(JSON.stringify({ seed, perRule, population, findings: withText }, null, 1) + '\n');
}

if (process.argv[1]?.endsWith('precision.js')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
