import type { RouterOutputs } from '@chorus/client';
import { useT } from '../../../i18n/i18n';
import type { Message } from '../types';
import { pinMessages } from './messages';
import type { PinControls } from './usePins';

type Pin = RouterOutputs['chat']['pins'][number];

/**
 * The conversation's pins above its log, newest first: the newest in the summary, all of them
 * when opened. A message the timeline holds is shown as the timeline has it (edits arrive there).
 */
export function PinnedBar({
  pins,
  controls,
  messages,
  nameOf,
}: {
  pins: Pin[];
  controls: PinControls;
  messages: ReadonlyMap<number, Message>;
  nameOf: (userId: number) => string;
}) {
  const t = useT(pinMessages);
  if (pins.length === 0) return null;
  const textOf = (pin: Pin) => {
    const message = messages.get(pin.message.id) ?? pin.message;
    const text = message.text ?? message.attachment?.name ?? '';
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  };
  return (
    <details className="pinned-bar" aria-label={t('pinnedMessages')}>
      <summary>
        <strong>{t('pinnedCount', { count: pins.length })}</strong> {textOf(pins[0]!)}
      </summary>
      <ul>
        {pins.map((pin) => (
          <li key={pin.message.id}>
            <span>
              <strong>{nameOf(pin.message.senderId)}: </strong>
              {textOf(pin)}
            </span>
            {controls.canPin ? (
              <button
                type="button"
                className="link"
                aria-label={t('unpinMessage', { text: textOf(pin) })}
                onClick={() => controls.toggle(pin.message.id, false)}
              >
                {t('unpin')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  );
}
