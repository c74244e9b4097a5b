import type { ReactNode } from 'react';

// The server's mention syntax (chat/messages.service.ts): @ and 3–32 letters, digits or _.
const MENTION = /@([\p{L}\p{N}_]{3,32})/gu;

/** Message text with `@username` mentions of members highlighted. */
export function MessageText({ text, mentions, usernames }: { text: string; mentions: number[]; usernames: ReadonlyMap<string, number> }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const userId = usernames.get(match[1]!.toLowerCase());
    if (userId === undefined || (mentions.length > 0 && !mentions.includes(userId))) continue;
    parts.push(text.slice(last, match.index));
    parts.push(
      <mark key={match.index} className="mention">
        {match[0]}
      </mark>,
    );
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return <p className="message-text">{parts}</p>;
}
