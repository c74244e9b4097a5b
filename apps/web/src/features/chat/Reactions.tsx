import { useState } from 'react';
import { nameOf, type RowContext } from './MessageRow';
import { QUICK_EMOJI, type Message } from './types';

/** Reaction counts (pressed when one is ours; the title says who), and a few quick emoji to add. */
export function Reactions({ message, ctx }: { message: Message; ctx: RowContext }) {
  const { t } = ctx;
  const [picking, setPicking] = useState(false);
  return (
    <div className="reactions">
      {message.reactions.map((reaction) => {
        const mine = reaction.userIds.includes(ctx.meId);
        const names = reaction.userIds.map((userId) => nameOf(ctx, userId)).join(', ');
        return (
          <button
            key={reaction.emoji}
            type="button"
            className="reaction"
            aria-pressed={mine}
            title={t('reactedBy', { emoji: reaction.emoji, names })}
            onClick={() => ctx.react(message.id, reaction.emoji, !mine)}
          >
            {reaction.emoji} {reaction.userIds.length}
          </button>
        );
      })}
      <button type="button" className="link reaction-add" aria-expanded={picking} onClick={() => setPicking(!picking)}>
        {t('react')}
      </button>
      {picking ? (
        <span className="reaction-picker" role="group" aria-label={t('react')}>
          {QUICK_EMOJI.map((emoji) => (
            <button
              key={emoji}
              type="button"
              className="reaction"
              aria-label={t('reactWith', { emoji })}
              onClick={() => {
                setPicking(false);
                const existing = message.reactions.find((reaction) => reaction.emoji === emoji);
                if (!existing?.userIds.includes(ctx.meId)) ctx.react(message.id, emoji, true);
              }}
            >
              {emoji}
            </button>
          ))}
        </span>
      ) : null}
    </div>
  );
}
