// Who dbarch is on GitHub: its App id (check runs carry `app.id`) and its bot login (comments
// and reviews carry `user.login`). Another bot's comment with dbarch's marker is not dbarch's.

export interface BotIdentity {
  appId: number;
  /** `<app-slug>[bot]` */
  login: string;
}

interface RequestClient {
  request(route: 'GET /app'): Promise<{ data: { id: number; slug?: string } | null }>;
}

/** One `GET /app` with the App's JWT. */
export async function fetchIdentity(appClient: RequestClient): Promise<BotIdentity> {
  const { data } = await appClient.request('GET /app');
  if (!data?.slug) throw new Error('GET /app returned no slug: cannot tell dbarch’s own comments from others');
  return { appId: Number(data.id), login: `${data.slug}[bot]` };
}

/** A comment or review by dbarch itself. Without a known identity, any bot (the older, weaker test). */
export function isOwn(user: { login?: string; type?: string } | null | undefined, identity: BotIdentity | undefined): boolean {
  if (!user) return false;
  if (identity) return user.type === 'Bot' && user.login?.toLowerCase() === identity.login.toLowerCase();
  return user.type === 'Bot';
}
