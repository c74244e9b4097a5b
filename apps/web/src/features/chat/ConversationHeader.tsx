import { useState } from 'react';
import { useT } from '../../i18n/i18n';
import { Avatar } from '../../ui/Avatar';
import { GroupSettings } from './GroupSettings';
import { chatMessages } from './messages';
import type { Detail } from './types';
import { usePresence } from './usePresence';

/** The conversation's name and picture, the call buttons' place, and group settings. */
export function ConversationHeader({ detail, name, meId }: { detail: Detail; name: string; meId: number }) {
  const t = useT(chatMessages);
  const [settings, setSettings] = useState(false);
  const isGroup = detail.kind === 'group';
  const presence = usePresence(detail.peer ? [detail.peer.id] : []);
  return (
    <>
      <header className="conversation-head">
        <Avatar name={name} url={isGroup ? detail.avatarUrl : detail.peer?.avatarUrl} presence={detail.peer ? presence.get(detail.peer.id) : undefined} />
        <div className="conversation-title">
          <h2>{name}</h2>
          {isGroup ? <span className="muted">{t('members', { count: detail.members.length })}</span> : <span className="muted">@{detail.peer?.username}</span>}
        </div>
        <div className="conversation-tools">
          {/* call buttons */}
          {isGroup ? (
            <button type="button" aria-expanded={settings} onClick={() => setSettings(!settings)}>
              {t('groupSettings')}
            </button>
          ) : null}
        </div>
      </header>
      {isGroup && settings ? <GroupSettings detail={detail} meId={meId} onClose={() => setSettings(false)} /> : null}
    </>
  );
}
