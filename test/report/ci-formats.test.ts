// The CI reporters: workflow commands, JUnit XML, GitLab Code Quality.
import { describe, expect, it } from 'vitest';
import { formatCodeQuality, formatGithub, formatJunit, toCodeQuality } from '../../src/report/index.js';
import { toGitLabSuggestion } from '../../src/ci/gitlab.js';
import { finding, report } from '../app/helpers.js';

const sample = report([
  {
    path: 'db/a,b:c.sql',
    findings: [
      finding({ rule: 'require-concurrent-index-creation', line: 3, column: 1, endColumn: 40, message: 'blocks writes\nto users (100%)', fix: { description: 'Build it concurrently', sql: 'CREATE INDEX CONCURRENTLY i ON users (email);' } }),
      finding({ rule: 'require-timeout-settings', severity: 'warning', line: 3, endLine: 4, message: 'no lock_timeout' }),
      finding({ rule: 'prefer-text', severity: 'info', line: 9, message: 'use text & not <varchar>' }),
    ],
  },
  { path: 'db/clean.sql' },
]);

describe('--format github', () => {
  it('writes one workflow command per finding with the runner escaping of data and properties', () => {
    expect(formatGithub(sample).split('\n')).toEqual([
      '::error file=db/a%2Cb%3Ac.sql,line=3,endLine=3,col=1,endColumn=40,title=dbarch require-concurrent-index-creation::blocks writes%0Ato users (100%25)%0A%0ASafe rewrite: Build it concurrently%0ACREATE INDEX CONCURRENTLY i ON users (email);',
      '::warning file=db/a%2Cb%3Ac.sql,line=3,endLine=4,title=dbarch require-timeout-settings::no lock_timeout',
      '::notice file=db/a%2Cb%3Ac.sql,line=9,endLine=9,col=1,endColumn=10,title=dbarch prefer-text::use text & not <varchar>',
      '',
    ]);
  });
});

describe('--format junit', () => {
  it('one suite per file; findings at fail-on are failures, lower ones pass with their output; XML is escaped', () => {
    const xml = formatJunit(sample, { failOn: 'warning' });
    expect(xml).toContain('<testsuites name="dbarch" tests="4" failures="2" errors="0">');
    expect(xml).toContain('<testsuite name="db/a,b:c.sql" tests="3" failures="2" errors="0" skipped="0">');
    expect(xml).toContain('<failure type="error" message="blocks writes&#10;to users (100%)">');
    expect(xml).toContain('<system-out>db/a,b:c.sql:9:1: info: use text &amp; not &lt;varchar&gt;</system-out>');
    expect(xml).toContain('<testcase name="no hazards" classname="db/clean.sql" file="db/clean.sql"/>');
    expect(formatJunit(sample)).toContain('tests="4" failures="1"');
  });
});

describe('--format gitlab', () => {
  it('maps findings to Code Quality issues with unique fingerprints that survive line moves', () => {
    const issues = toCodeQuality(sample);
    expect(issues.map((i) => [i.check_name, i.severity, i.location])).toEqual([
      ['dbarch/require-concurrent-index-creation', 'critical', { path: 'db/a,b:c.sql', lines: { begin: 3 } }],
      ['dbarch/require-timeout-settings', 'major', { path: 'db/a,b:c.sql', lines: { begin: 3, end: 4 } }],
      ['dbarch/prefer-text', 'info', { path: 'db/a,b:c.sql', lines: { begin: 9 } }],
    ]);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(3);
    const twice = report([{ path: 'm.sql', findings: [finding({ rule: 'r', line: 1 }), finding({ rule: 'r', line: 5 })] }]);
    const [a, b] = toCodeQuality(twice);
    expect(a!.fingerprint).not.toBe(b!.fingerprint);
    const moved = report([{ path: 'm.sql', findings: [finding({ rule: 'r', line: 11 }), finding({ rule: 'r', line: 15 })] }]);
    expect(toCodeQuality(moved).map((i) => i.fingerprint)).toEqual([a!.fingerprint, b!.fingerprint]);
    expect(JSON.parse(formatCodeQuality(report([])))).toEqual([]);
  });

  it("turns a GitHub suggestion into GitLab's relative-range suggestion", () => {
    expect(toGitLabSuggestion({ body: 'x\n\n```suggestion\nA;\n```', line: 4 })).toBe('x\n\n```suggestion:-0+0\nA;\n```');
    expect(toGitLabSuggestion({ body: '````suggestion\nA;\nB;\n````', line: 6, start_line: 4 })).toBe('````suggestion:-2+0\nA;\nB;\n````');
  });
});
