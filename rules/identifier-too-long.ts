import { longIdentifiers } from '../src/pg/statement.js';
import { createRule } from '../src/rules/create.js';

/** Cheap linear pre-check: 64 identifier characters in a row, or text the check must tokenize. */
function mayHaveLongName(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Quoted identifiers and multi-byte names need the real tokenizer.
    if (c > 127 || c === 34) return true;
    const ident = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
    run = ident ? run + 1 : 0;
    if (run >= 64) return true;
  }
  return false;
}

export default createRule({
  meta: {
    id: 'identifier-too-long',
    description: 'Identifiers longer than 63 bytes are silently truncated.',
    category: 'integrity',
    nodes: ['CreateStmt', 'IndexStmt', 'AlterTableStmt', 'RenameStmt', 'CreateSeqStmt', 'ViewStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'CreateSchemaStmt', 'CreateTableAsStmt', 'CreateFunctionStmt', 'CreateDomainStmt', 'CompositeTypeStmt', 'CreateEnumStmt', 'CreateExtensionStmt'],
    defaultSeverity: 'warning',
    hazard:
      'PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1) with only a NOTICE. Two long names that ' +
      'share the first 63 bytes collide, and later migrations or code that use the full name do not find the ' +
      'object.',
    squawk: ['identifier-too-long'],
    messages: { long: 'Identifier {name} is {bytes} bytes long and will be truncated to 63.' },
    examples: [
      {
        bad: 'CREATE INDEX index_user_notification_preferences_on_user_id_and_notification_channel ON user_notification_preferences (user_id, notification_channel);',
        good: 'CREATE INDEX user_notif_prefs_user_channel_idx ON user_notification_preferences (user_id, notification_channel);',
      },
    ],
  },
  check(stmt) {
    const text = stmt.stmt.text;
    if (!mayHaveLongName(text)) return [];
    return longIdentifiers(stmt).map((name) => ({ messageId: 'long', data: { name, bytes: Buffer.byteLength(name, 'utf8') } }));
  },
});
