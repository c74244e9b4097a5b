import { useT } from '../../../i18n/i18n';
import { pinMessages } from './messages';
import type { PinControls } from './usePins';

/** "Pin" or "Unpin" among a message's actions, for those who may pin. */
export function PinButton({ messageId, pins }: { messageId: number; pins: PinControls }) {
  const t = useT(pinMessages);
  if (!pins.canPin) return null;
  const pinned = pins.pinnedIds.has(messageId);
  return (
    <button type="button" className="link" onClick={() => pins.toggle(messageId, !pinned)}>
      {pinned ? t('unpin') : t('pin')}
    </button>
  );
}

/** The mark on a pinned message. */
export function PinnedMark({ messageId, pins }: { messageId: number; pins: PinControls }) {
  const t = useT(pinMessages);
  return pins.pinnedIds.has(messageId) ? <span className="message-pinned">📌 {t('pinned')}</span> : null;
}
