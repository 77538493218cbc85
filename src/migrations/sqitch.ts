// sqitch.plan: one change per line (`name [deps] timestamp planner <email> # note`),
// `@tag` lines, `%pragma` lines and `#` comments. A reworked change appears again after a
// tag; its older scripts are named `name@tag.sql`.

export interface SqitchPlan {
  /** Change name (as in deploy/<name>.sql, without extension) → plan position. */
  position(changeFile: string): number | undefined;
}

export function parseSqitchPlan(text: string): SqitchPlan {
  const entries: { name: string; tags: string[] }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('%')) continue;
    if (line.startsWith('@')) {
      const tag = line.slice(1).split(/\s+/)[0] ?? '';
      entries.at(-1)?.tags.push(tag);
      continue;
    }
    const name = line.split(/\s+/)[0] ?? '';
    if (name) entries.push({ name, tags: [] });
  }
  return {
    position(changeFile) {
      const at = changeFile.lastIndexOf('@');
      if (at > 0) {
        // name@tag: the last occurrence of `name` planned before `tag`.
        const name = changeFile.slice(0, at);
        const tag = changeFile.slice(at + 1);
        let found: number | undefined;
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!;
          if (entry.name === name) found = i;
          if (entry.tags.includes(tag)) return found;
        }
        return found;
      }
      let last: number | undefined;
      entries.forEach((entry, i) => {
        if (entry.name === changeFile) last = i;
      });
      return last;
    },
  };
}
