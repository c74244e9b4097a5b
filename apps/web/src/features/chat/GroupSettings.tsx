import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { chatMessages } from './messages';
import { MemberPicker } from './NewConversation';
import type { Detail, Member } from './types';

/** A group's name, members and roles; what the caller may change depends on their role. */
export function GroupSettings({ detail, meId, onClose }: { detail: Detail; meId: number; onClose: () => void }) {
  const t = useT(chatMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [confirmDissolve, setConfirmDissolve] = useState(false);
  const conversationId = detail.id;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.chat.get.queryKey({ conversationId }) });
  const leaveChat = () => {
    onClose();
    navigate('/', { replace: true });
  };
  const update = useMutation(trpc.chat.update.mutationOptions({ onSuccess: refresh }));
  const setRole = useMutation(trpc.chat.setRole.mutationOptions({ onSuccess: refresh }));
  const removeMember = useMutation(trpc.chat.removeMember.mutationOptions({ onSuccess: refresh }));
  const addMembers = useMutation(trpc.chat.addMembers.mutationOptions({ onSuccess: refresh }));
  const leave = useMutation(trpc.chat.leave.mutationOptions({ onSuccess: leaveChat }));
  const dissolve = useMutation(trpc.chat.dissolve.mutationOptions({ onSuccess: leaveChat }));
  const isOwner = detail.myRole === 'owner';
  const canManage = isOwner || detail.myRole === 'admin';
  const friends = useQuery({ ...trpc.friends.list.queryOptions(), enabled: canManage });
  const memberIds = new Set(detail.members.map((member) => member.user.id));
  const addable = (friends.data ?? []).map((friend) => friend.user).filter((user) => !memberIds.has(user.id));
  const error = update.error ?? setRole.error ?? removeMember.error ?? addMembers.error ?? leave.error ?? dissolve.error;

  const rename = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    update.mutate({ conversationId, name: formText(new FormData(event.currentTarget), 'name') });
  };
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const userIds = new FormData(form).getAll('member').map(Number);
    if (userIds.length > 0) addMembers.mutate({ conversationId, userIds }, { onSuccess: () => form.reset() });
  };
  // Owners manage everyone; admins manage plain members.
  const canRemove = (member: Member) => member.user.id !== meId && member.role !== 'owner' && (isOwner || member.role === 'member');

  return (
    <section className="group-settings" aria-labelledby="group-settings-title">
      <div className="group-settings-head">
        <h3 id="group-settings-title">{t('groupSettings')}</h3>
        <button type="button" onClick={onClose}>
          {t('close')}
        </button>
      </div>
      <Alert>{error ? errorText(error) : null}</Alert>
      {canManage ? (
        <form className="inline-form" onSubmit={rename}>
          <Field label={t('groupName')} name="name" defaultValue={detail.name ?? ''} required maxLength={100} />
          <button type="submit" disabled={update.isPending}>
            {t('rename')}
          </button>
        </form>
      ) : null}
      <ul className="group-members" aria-label={t('members', { count: detail.members.length })}>
        {detail.members.map((member) => (
          <li key={member.user.id}>
            <Avatar name={member.user.displayName} url={member.user.avatarUrl} size={28} />
            <span className="group-member-name">
              {member.user.displayName} <span className="muted">@{member.user.username}</span>
            </span>
            {isOwner && member.role !== 'owner' ? (
              <select
                aria-label={t('roleOf', { name: member.user.displayName })}
                value={member.role}
                onChange={(event) => setRole.mutate({ conversationId, userId: member.user.id, role: event.target.value === 'admin' ? 'admin' : 'member' })}
              >
                <option value="admin">{t('role_admin')}</option>
                <option value="member">{t('role_member')}</option>
              </select>
            ) : (
              <span className="muted">{t(`role_${member.role}`)}</span>
            )}
            {canManage && canRemove(member) ? (
              <button
                type="button"
                className="danger"
                aria-label={t('removeMember', { name: member.user.displayName })}
                onClick={() => removeMember.mutate({ conversationId, userId: member.user.id })}
              >
                {t('remove')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage && addable.length > 0 ? (
        <form onSubmit={add}>
          <MemberPicker users={addable} legend={t('addMembers')} />
          <button type="submit" disabled={addMembers.isPending}>
            {t('add')}
          </button>
        </form>
      ) : null}
      <div className="group-danger">
        {!isOwner ? (
          <button type="button" className="danger" onClick={() => leave.mutate({ conversationId })}>
            {t('leave')}
          </button>
        ) : null}
        {isOwner && !confirmDissolve ? (
          <button type="button" className="danger" onClick={() => setConfirmDissolve(true)}>
            {t('dissolve')}
          </button>
        ) : null}
        {isOwner && confirmDissolve ? (
          <>
            <button type="button" className="danger" onClick={() => dissolve.mutate({ conversationId })}>
              {t('confirmDissolve')}
            </button>
            <button type="button" onClick={() => setConfirmDissolve(false)}>
              {t('cancel')}
            </button>
          </>
        ) : null}
      </div>
    </section>
  );
}
