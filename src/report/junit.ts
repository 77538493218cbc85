// JUnit XML for CI systems that show test reports (Jenkins, Buildkite, CircleCI, Azure
// Pipelines): one test suite per migration file, one failing test case per finding that
// reaches the gate, and one passing case for a clean file so it is counted.
import type { Report, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';

export interface JunitOptions {
  /** Findings at or above this severity are failures; lower ones are recorded as passed cases with output. */
  failOn?: Severity;
}

function xml(s: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Attribute values: parsers fold raw newlines to spaces, so keep them as references. */
function attr(s: string): string {
  return xml(s).replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
}

export function formatJunit(report: Report, opts: JunitOptions = {}): string {
  const failOn = opts.failOn ?? 'error';
  let totalTests = 0;
  let totalFailures = 0;
  const suites: string[] = [];
  for (const file of report.files) {
    const cases: string[] = [];
    let failures = 0;
    for (const f of file.findings) {
      const name = `${f.rule} at line ${f.line}`;
      const detail = [`${file.path}:${f.line}:${f.column}: ${f.severity}: ${f.message}`, f.help, f.fix ? `Safe rewrite: ${f.fix.description}\n${f.fix.sql}` : undefined]
        .filter(Boolean)
        .join('\n\n');
      const attrs = `name="${xml(name)}" classname="${xml(file.path)}" file="${xml(file.path)}" line="${f.line}"`;
      if (SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]) {
        failures++;
        cases.push(`    <testcase ${attrs}>\n      <failure type="${xml(f.severity)}" message="${attr(f.message)}">${xml(detail)}</failure>\n    </testcase>`);
      } else {
        cases.push(`    <testcase ${attrs}>\n      <system-out>${xml(detail)}</system-out>\n    </testcase>`);
      }
    }
    if (cases.length === 0) cases.push(`    <testcase name="no hazards" classname="${xml(file.path)}" file="${xml(file.path)}"/>`);
    totalTests += cases.length;
    totalFailures += failures;
    suites.push(`  <testsuite name="${xml(file.path)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dbarch" tests="${totalTests}" failures="${totalFailures}" errors="0">\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}
