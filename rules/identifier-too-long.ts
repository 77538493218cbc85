import { longIdentifiers } from '../src/pg/statement.js';
import { createRule } from '../src/rules/create.js';

/** UTF-8 bytes a UTF-16 code unit can take, at most (a surrogate half is counted as 3, more than it is). */
function maxBytes(c: number): number {
  return c < 0x80 ? 1 : 3;
}

/**
 * Cheap linear pre-check, never wrong in the safe direction: could the text hold an identifier
 * over 63 bytes? An unquoted one is a run of identifier characters; a quoted one lies between
 * two quote characters that are not doubled (`""` inside a name never splits it, and a stray
 * quote in a string or comment only makes the stretch it measures longer).
 */
function mayHaveLongName(text: string): boolean {
  let run = 0;
  let quoted = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 && text.charCodeAt(i - 1) !== 34 && text.charCodeAt(i + 1) !== 34) {
      if (quoted > 63) return true;
      quoted = 0;
      run = 0;
      continue;
    }
    const bytes = maxBytes(c);
    quoted += bytes;
    const ident = c > 127 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
    run = ident ? run + bytes : 0;
    if (run > 63) return true;
  }
  return quoted > 63 && text.includes('"');
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
