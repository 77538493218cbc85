// Replays history files several at a time. Each COMMIT costs PGlite a WAL flush and each
// file a worker round trip (measured: ~60 ms a file one by one, ~25 ms a file in batches of 25
// on the loaded 2-core machine), so consecutive transactional files go in one transaction,
// with `RESET ALL` between them as after every file. A batch that fails is rolled back and its
// files are applied one by one, exactly as before: the replayed schema and the recorded
// issues do not depend on the batching.
import type { ParsedFile, TransactionMode } from '../types.js';
import type { TraceSession } from './catalog.js';

/** Applies one file on its own (replay's `applyQuietly`), recording its failures. */
export type ApplyOne = (file: BatchFile['file'], parsed: ParsedFile) => Promise<void>;

export interface BatchFile {
  file: { path: string; source: string; transaction: TransactionMode };
  parsed: ParsedFile;
}

const MAX_FILES = 50;
const MAX_BYTES = 1024 * 1024;

/** Only a file that runs in one transaction and never ends it itself can share one. */
function batchable({ file, parsed }: BatchFile): boolean {
  if (file.transaction !== 'transaction' || file.source.length > MAX_BYTES) return false;
  return parsed.statements.every((s) => !s.error && !(s.ast as { TransactionStmt?: unknown } | undefined)?.TransactionStmt);
}

export async function applyBatched(session: TraceSession, files: BatchFile[], timeoutMs: number, applyOne: ApplyOne): Promise<void> {
  let i = 0;
  while (i < files.length) {
    const batch: BatchFile[] = [];
    let bytes = 0;
    while (i < files.length && batch.length < MAX_FILES && batchable(files[i]!) && bytes + files[i]!.file.source.length <= MAX_BYTES) {
      bytes += files[i]!.file.source.length;
      batch.push(files[i++]!);
    }
    if (batch.length < 2) {
      const one = batch[0] ?? files[i++]!;
      await applyOne(one.file, one.parsed);
      continue;
    }
    const text = `BEGIN;\n${batch.map((b) => `${b.file.source}\n;\nRESET ALL;`).join('\n')}\nCOMMIT;`;
    const whole = await session.exec(text, timeoutMs * batch.length);
    if (whole.ok) {
      await session.exec('RESET ALL', timeoutMs);
      continue;
    }
    await session.exec('ROLLBACK', timeoutMs);
    for (const b of batch) await applyOne(b.file, b.parsed);
  }
}
