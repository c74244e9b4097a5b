import { nameOf, type RowContext } from './MessageRow';
import { QUICK_EMOJI, type Message } from './types';

/** Reaction counts, pressed when one is ours; the title says who reacted. Clicking toggles ours. */
export function ReactionChips({ message, ctx }: { message: Message; ctx: RowContext }) {
  if (message.reactions.length === 0) return null;
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
            title={ctx.t('reactedBy', { emoji: reaction.emoji, names })}
            onClick={() => ctx.react(message.id, reaction.emoji, !mine)}
          >
            {reaction.emoji} {reaction.userIds.length}
          </button>
        );
      })}
    </div>
  );
}

/** A few quick emoji to react with. */
export function EmojiPicker({ message, ctx, onDone }: { message: Message; ctx: RowContext; onDone: () => void }) {
  return (
    <span className="reaction-picker" role="group" aria-label={ctx.t('react')}>
      {QUICK_EMOJI.map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="reaction"
          aria-label={ctx.t('reactWith', { emoji })}
          onClick={() => {
            onDone();
            const existing = message.reactions.find((reaction) => reaction.emoji === emoji);
            if (!existing?.userIds.includes(ctx.meId)) ctx.react(message.id, emoji, true);
          }}
        >
          {emoji}
        </button>
      ))}
    </span>
  );
}
