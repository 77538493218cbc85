// Worker thread of the built-in engine: its own parser instance, linting the chunks of units
// the main thread sends, answering with plain findings and statement tables.
import { parentPort, workerData } from 'node:worker_threads';
import { historyCatalog, LintLane, type AnalysisUnit } from '../analyze.js';
import type { DbarchConfig } from '../config/schema.js';
import { initParser } from '../sql/index.js';
import type { ChunkResult, ToMain, ToWorker } from './protocol.js';

const port = parentPort!;
const { config, history } = workerData as { config: DbarchConfig; history: AnalysisUnit[] };

await initParser();
// chunks come in increasing order: one lane keeps the schema the units so far built
const lane = new LintLane(config, historyCatalog(history, config));
port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'chunk') return;
  let reply: ToMain;
  try {
    const results: ChunkResult[] = lane.run(msg.prelude as AnalysisUnit[], msg.units as AnalysisUnit[]);
    reply = { type: 'done', chunk: msg.chunk, results };
  } catch (err) {
    reply = { type: 'failed', chunk: msg.chunk, message: (err as Error)?.stack ?? String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies ToMain);
