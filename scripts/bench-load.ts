// `npm run bench` section: the load test (scripts/loadtest.ts) with a smaller burst.
import { renderMarkdown, runLoadtest } from './loadtest.js';

export async function run(): Promise<string> {
  const opts = { prs: Number(process.env.DBARCH_BENCH_LOAD_PRS) || 100, redeliveries: 10 };
  return renderMarkdown(await runLoadtest(opts), opts);
}
