// The last word on a job that failed every attempt: a completed failing `dbarch` check, so a
// required check never stays pending.
import type { ReviewJob } from '../app/queue.js';
import { CHECK_NAME } from '../app/github.js';

interface RequestClient {
  request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }>;
}

export type AuthFn = (installationId: number) => Promise<RequestClient>;

export function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return `${status ? `HTTP ${status}: ` : ''}${err.message}`.replace(/```/g, "'''").slice(0, 2000);
  }
  return String(err).slice(0, 2000);
}

export async function failCheckRun(octokit: RequestClient, job: ReviewJob, err: unknown, attempts: number, now: () => Date = () => new Date()): Promise<void> {
  const at = now().toISOString();
  await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner: job.owner,
    repo: job.repo,
    name: CHECK_NAME,
    head_sha: job.headSha,
    status: 'completed',
    conclusion: 'failure',
    started_at: at,
    completed_at: at,
    output: {
      title: 'dbarch could not finish',
      summary: `dbarch gave up after ${attempts} attempt(s):\n\n\`\`\`\n${describeFailure(err)}\n\`\`\`\n\nRe-run the check to try again.`,
    },
  });
}

/** onExhausted for createQueueFactory: authenticates as the job's installation. */
export function exhaustedReporter(auth: () => AuthFn | undefined, attempts: number, log?: { error: (obj: object, msg: string) => void }) {
  return async (job: ReviewJob, err: Error): Promise<void> => {
    const fn = auth();
    if (!fn) throw new Error('exhausted job before the app was loaded');
    try {
      await failCheckRun(await fn(job.installationId), job, err, attempts);
    } catch (e) {
      log?.error({ err: e, deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, sha: job.headSha }, 'could not report the exhausted job on its check');
      throw e;
    }
  };
}
