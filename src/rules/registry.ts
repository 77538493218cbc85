// Generated list of the rule catalog: every rules/*.ts, imported statically (keep sorted).
import type { Rule } from './types.js';
import addingAutoIncrementColumn from '../../rules/adding-auto-increment-column.js';
import addingColumnWithCheck from '../../rules/adding-column-with-check.js';
import addingExclusionConstraint from '../../rules/adding-exclusion-constraint.js';
import addingFieldWithDefault from '../../rules/adding-field-with-default.js';
import addingForeignKeyConstraint from '../../rules/adding-foreign-key-constraint.js';
import addingNotNullableField from '../../rules/adding-not-nullable-field.js';
import addingPrimaryKeyConstraint from '../../rules/adding-primary-key-constraint.js';
import addingRequiredField from '../../rules/adding-required-field.js';
import addingSerialPrimaryKeyField from '../../rules/adding-serial-primary-key-field.js';
import addingStoredGeneratedColumn from '../../rules/adding-stored-generated-column.js';
import attachPartitionWithoutCheck from '../../rules/attach-partition-without-check.js';
import banAlterDomainWithAddConstraint from '../../rules/ban-alter-domain-with-add-constraint.js';
import banCharField from '../../rules/ban-char-field.js';
import banCluster from '../../rules/ban-cluster.js';
import banConcurrentIndexCreationInTransaction from '../../rules/ban-concurrent-index-creation-in-transaction.js';
import banCreateDomainWithConstraint from '../../rules/ban-create-domain-with-constraint.js';
import banDisableTriggers from '../../rules/ban-disable-triggers.js';
import banDropCascade from '../../rules/ban-drop-cascade.js';
import banDropColumn from '../../rules/ban-drop-column.js';
import banDropDatabase from '../../rules/ban-drop-database.js';
import banDropNotNull from '../../rules/ban-drop-not-null.js';
import banDropSchema from '../../rules/ban-drop-schema.js';
import banDropTable from '../../rules/ban-drop-table.js';
import banLockTable from '../../rules/ban-lock-table.js';
import banMoneyType from '../../rules/ban-money-type.js';
import banMultipleForeignKeys from '../../rules/ban-multiple-foreign-keys.js';
import banTruncateCascade from '../../rules/ban-truncate-cascade.js';
import banUncommittedTransaction from '../../rules/ban-uncommitted-transaction.js';
import banVacuumFull from '../../rules/ban-vacuum-full.js';
import changingColumnType from '../../rules/changing-column-type.js';
import changingForeignKeyColumnType from '../../rules/changing-foreign-key-column-type.js';
import concurrentIndexIfNotExists from '../../rules/concurrent-index-if-not-exists.js';
import constraintMissingNotValid from '../../rules/constraint-missing-not-valid.js';
import disableRowLevelSecurity from '../../rules/disable-row-level-security.js';
import disallowedUniqueConstraint from '../../rules/disallowed-unique-constraint.js';
import dropReplicaIdentity from '../../rules/drop-replica-identity.js';
import enumValueUsedInTransaction from '../../rules/enum-value-used-in-transaction.js';
import grantToPublic from '../../rules/grant-to-public.js';
import holdAccessExclusiveLock from '../../rules/hold-access-exclusive-lock.js';
import identifierTooLong from '../../rules/identifier-too-long.js';
import nonTransactionalStatementInTransaction from '../../rules/non-transactional-statement-in-transaction.js';
import preferBigintOverInt from '../../rules/prefer-bigint-over-int.js';
import preferBigintOverSmallint from '../../rules/prefer-bigint-over-smallint.js';
import preferBigintPrimaryKey from '../../rules/prefer-bigint-primary-key.js';
import preferIdentity from '../../rules/prefer-identity.js';
import preferJsonb from '../../rules/prefer-jsonb.js';
import preferRobustStmts from '../../rules/prefer-robust-stmts.js';
import preferTextField from '../../rules/prefer-text-field.js';
import preferTimestamptz from '../../rules/prefer-timestamptz.js';
import redundantIndex from '../../rules/redundant-index.js';
import renamingColumn from '../../rules/renaming-column.js';
import renamingTable from '../../rules/renaming-table.js';
import requireConcurrentIndexCreation from '../../rules/require-concurrent-index-creation.js';
import requireConcurrentIndexDeletion from '../../rules/require-concurrent-index-deletion.js';
import requireConcurrentPartitionDetach from '../../rules/require-concurrent-partition-detach.js';
import requireConcurrentRefresh from '../../rules/require-concurrent-refresh.js';
import requireConcurrentReindex from '../../rules/require-concurrent-reindex.js';
import requireIndexForForeignKey from '../../rules/require-index-for-foreign-key.js';
import requirePrimaryKey from '../../rules/require-primary-key.js';
import requireStatementTimeout from '../../rules/require-statement-timeout.js';
import requireTimeoutSettings from '../../rules/require-timeout-settings.js';
import rolePasswordLiteral from '../../rules/role-password-literal.js';
import securityDefinerWithoutSearchPath from '../../rules/security-definer-without-search-path.js';
import transactionNesting from '../../rules/transaction-nesting.js';
import unbatchedDataMigration from '../../rules/unbatched-data-migration.js';
import uniqueIndexOnExistingData from '../../rules/unique-index-on-existing-data.js';

export const RULES: readonly Rule[] = [
  addingAutoIncrementColumn,
  addingColumnWithCheck,
  addingExclusionConstraint,
  addingFieldWithDefault,
  addingForeignKeyConstraint,
  addingNotNullableField,
  addingPrimaryKeyConstraint,
  addingRequiredField,
  addingSerialPrimaryKeyField,
  addingStoredGeneratedColumn,
  attachPartitionWithoutCheck,
  banAlterDomainWithAddConstraint,
  banCharField,
  banCluster,
  banConcurrentIndexCreationInTransaction,
  banCreateDomainWithConstraint,
  banDisableTriggers,
  banDropCascade,
  banDropColumn,
  banDropDatabase,
  banDropNotNull,
  banDropSchema,
  banDropTable,
  banLockTable,
  banMoneyType,
  banMultipleForeignKeys,
  banTruncateCascade,
  banUncommittedTransaction,
  banVacuumFull,
  changingColumnType,
  changingForeignKeyColumnType,
  concurrentIndexIfNotExists,
  constraintMissingNotValid,
  disableRowLevelSecurity,
  disallowedUniqueConstraint,
  dropReplicaIdentity,
  enumValueUsedInTransaction,
  grantToPublic,
  holdAccessExclusiveLock,
  identifierTooLong,
  nonTransactionalStatementInTransaction,
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferBigintPrimaryKey,
  preferIdentity,
  preferJsonb,
  preferRobustStmts,
  preferTextField,
  preferTimestamptz,
  redundantIndex,
  renamingColumn,
  renamingTable,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentPartitionDetach,
  requireConcurrentRefresh,
  requireConcurrentReindex,
  requireIndexForForeignKey,
  requirePrimaryKey,
  requireStatementTimeout,
  requireTimeoutSettings,
  rolePasswordLiteral,
  securityDefinerWithoutSearchPath,
  transactionNesting,
  unbatchedDataMigration,
  uniqueIndexOnExistingData,
];

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r]));

export function getRule(id: string): Rule | undefined {
  return BY_ID.get(id);
}
