import { missingTimeoutCheck } from './require-timeout-settings.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'require-statement-timeout',
    description: 'No statement_timeout before a statement that holds a lock conflicting with application traffic.',
    category: 'locking',
    defaultSeverity: 'off',
    hazard:
      'Without `statement_timeout`, a statement that unexpectedly scans or rewrites a large table keeps its lock ' +
      'for as long as it runs. A timeout bounds the outage; the migration fails and can be retried in a safer way.',
    squawk: ['require-statement-timeout'],
    messages: {
      missing: '{kind} locks {relation} ({mode}) but no statement_timeout is set to bound how long it holds the lock.',
    },
    examples: [
      {
        bad: 'ALTER TABLE users ADD COLUMN nickname text;',
        good: "SET LOCAL statement_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;",
      },
    ],
  },
  checkFile: missingTimeoutCheck('statement_timeout'),
});
