import { useMutation, useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { chatMessages } from './messages';
import type { PublicUser } from './types';

/** Starting a conversation: a direct chat with one friend, or a named group of friends. */
export function NewConversation({ mode, onDone }: { mode: 'direct' | 'group'; onDone: () => void }) {
  const t = useT(chatMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const friends = useQuery(trpc.friends.list.queryOptions());
  const openDirect = useMutation(trpc.chat.openDirect.mutationOptions());
  const createGroup = useMutation(trpc.chat.createGroup.mutationOptions());
  const open = (conversationId: number) => {
    onDone();
    navigate(`/chat/${conversationId}`);
  };
  const users = friends.data?.map((friend) => friend.user) ?? [];
  const error = friends.error ?? openDirect.error ?? createGroup.error;

  if (mode === 'direct') {
    return (
      <div className="new-conversation">
        <Alert>{error ? errorText(error) : null}</Alert>
        {friends.isSuccess && users.length === 0 ? <p className="muted">{t('noFriends')}</p> : null}
        <ul className="friend-picks">
          {users.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                className="friend-pick"
                aria-label={t('messageFriend', { name: user.displayName })}
                disabled={openDirect.isPending}
                onClick={() => openDirect.mutate({ userId: user.id }, { onSuccess: (result) => open(result.conversationId) })}
              >
                <Avatar name={user.displayName} url={user.avatarUrl} size={28} />
                <span>{user.displayName}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    );
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const memberIds = form.getAll('member').map(Number);
    createGroup.mutate({ name: formText(form, 'name'), memberIds }, { onSuccess: (result) => open(result.conversationId) });
  };
  return (
    <form className="new-conversation" onSubmit={submit}>
      <Alert>{error ? errorText(error) : null}</Alert>
      <Field label={t('groupName')} name="name" required maxLength={100} autoFocus />
      <MemberPicker users={users} legend={t('pickMembers')} />
      <button type="submit" className="primary" disabled={createGroup.isPending}>
        {t('create')}
      </button>
    </form>
  );
}

/** Checkboxes named `member`, one per user. */
export function MemberPicker({ users, legend }: { users: PublicUser[]; legend: string }) {
  const t = useT(chatMessages);
  return (
    <fieldset className="member-picker">
      <legend>{legend}</legend>
      {users.length === 0 ? <p className="muted">{t('noFriends')}</p> : null}
      {users.map((user) => (
        <label key={user.id} className="member-option">
          <input type="checkbox" name="member" value={user.id} />
          <Avatar name={user.displayName} url={user.avatarUrl} size={24} />
          <span>
            {user.displayName} <span className="muted">@{user.username}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
