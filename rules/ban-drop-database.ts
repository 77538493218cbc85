import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-database',
    description: 'DROP DATABASE in a migration.',
    category: 'backward-compatibility',
    defaultSeverity: 'warning',
    hazard:
      'Dropping a database destroys all of its data and breaks every application that connects to it. It does ' +
      'not belong in an application migration.',
    squawk: ['ban-drop-database'],
    messages: { drop: 'DROP DATABASE {name} destroys the whole database.' },
    examples: [{ bad: 'DROP DATABASE analytics;', good: '-- drop databases by hand, after a backup' }],
  },
  on: {
    DropdbStmt: (drop) => [{ messageId: 'drop', data: { name: drop.dbname ?? '?' } }],
  },
});
