// Why each remaining class of disagreement between the model and the server exists,
// measured where it could be; docs/agreement.md prints these next to the class.
export interface Explanation {
  aspect: 'lock' | 'rewrite' | 'failure';
  match: RegExp;
  why: string;
}

export const EXPLANATIONS: Explanation[] = [
  {
    aspect: 'lock',
    match: /^DO:/,
    why:
      'Data decides, not the model. For a PL/pgSQL block the model reports every statement in it (what the block may take); on the replay only the ' +
      'branches and loop bodies the replayed (empty) data reaches run, so an INSERT inside `FOR r IN SELECT …` over an empty table takes nothing. ' +
      'Reads in `FOR … IN query` and `IF EXISTS (…)` conditions are not surfaced as nested statements, hence the extra ACCESS SHARE.',
  },
  {
    aspect: 'lock',
    match: /^DROP TRIGGER: ACCESS EXCLUSIVE → no lock/,
    why:
      '`DROP TRIGGER IF EXISTS` of a trigger that does not exist: PostgreSQL releases the table lock when the trigger is missing (observed on ' +
      'PGlite and PostgreSQL 15). The catalog does not track triggers, so the model keeps the lock a real drop takes: the safe side.',
  },
  {
    aspect: 'lock',
    match: /^(DELETE|UPDATE|INSERT):/,
    why:
      'Row-level side effects of the data: foreign-key checks (ROW SHARE on the referenced table), ON DELETE actions (ROW EXCLUSIVE on the ' +
      'referencing table) and user triggers (one refreshing a materialized view takes EXCLUSIVE on it) run only for the rows the statement ' +
      'touches. The model predicts FK checks for INSERT … VALUES, whose rows it can see.',
  },
  {
    aspect: 'lock',
    match: /^DROP FUNCTION: no lock → ACCESS EXCLUSIVE/,
    why: '`DROP FUNCTION … CASCADE` drops the triggers that call it and so locks their tables; the catalog does not record which triggers call which function.',
  },
  {
    aspect: 'lock',
    match: /^(ALTER TABLE|CREATE INDEX): no lock → (ACCESS EXCLUSIVE|SHARE)/,
    why:
      'musicbrainz sets `search_path = event_art_archive, musicbrainz`, a schema its missing base schema creates; on the replay an earlier ' +
      'statement of the file fails, the schema is not there, and PostgreSQL resolves to the next schema of the path. Depends on the incomplete history.',
  },
  {
    aspect: 'failure',
    match: /not predicted: (relation|schema|table|column|index|type|function|constraint|extension) .*does not exist|no schema has been selected|type \S+ does not exist|function \S+ does not exist/,
    why:
      'The history is incomplete: musicbrainz\'s base schema (CreateTables.sql) is not in the corpus, concourse\'s `.go` migrations were not ' +
      'copied, appflowy-cloud relies on objects its Rust code creates. Later files reference objects the replay never created.',
  },
  {
    aspect: 'failure',
    match: /^predicted:/,
    why: 'The model predicts this failure: the statement cannot run inside the transaction block the file runs in.',
  },
  {
    aspect: 'failure',
    match: /syntax error/,
    why: 'psql variables (`:var`) and meta-commands that only psql expands; the server sees them raw.',
  },
  {
    aspect: 'failure',
    match: /already exists/,
    why: "supabase's init scripts create roles and tables that the trace's Supabase stand-in (auth.users, storage.*) already provides.",
  },
  {
    aspect: 'failure',
    match: /is not available/,
    why: 'An extension PGlite does not ship.',
  },
  {
    aspect: 'failure',
    match: /permission denied for table pg_index|permission denied: "…" is a system trigger/,
    why:
      'Only on PostgreSQL 15: the trace runs as an unprivileged scratch role (dbarch_trace_…), and lemmy updates `pg_index` and runs ' +
      '`DISABLE TRIGGER ALL` (which includes the foreign keys\' system triggers); both need a superuser, which lemmy\'s deployments use. PGlite runs as superuser and applies them.',
  },
  {
    aspect: 'failure',
    match: /subquery in FROM must have an alias/,
    why: 'Only on PostgreSQL 15: an unaliased subquery in FROM is accepted from PostgreSQL 16 on, the version lemmy requires.',
  },
  {
    aspect: 'failure',
    match: /role "…" does not exist/,
    why: "musicbrainz's `ALTER … OWNER TO` names roles its deployment creates outside the migrations.",
  },
  {
    aspect: 'failure',
    match: /is in a primary key|multiple primary keys|foreign key constraint "…" cannot be implemented/,
    why:
      "dspace's Hibernate migration expects the old integer keys gone (the replay still has them: `ADD PRIMARY KEY (uuid)` meets the existing key); " +
      'DSpace drops them in a Java migration, and only the `.sql` migrations are in the corpus. The history is incomplete.',
  },
];
