import type { RouterInputs } from '@chorus/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { roomMessages } from './messages';

type CreateInput = RouterInputs['rooms']['create'];

const visibilities = ['public', 'private'] as const;
const joinPolicies = ['open', 'approval', 'invite_only'] as const;
const controlPolicies = ['owner', 'admins', 'everyone'] as const;

/** A select's value as one of its options (the first when it is something else). */
function oneOf<T extends string>(value: string, options: readonly [T, ...T[]]): T {
  return options.find((option) => option === value) ?? options[0];
}

export function CreateRoomForm() {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const id = useId();
  const create = useMutation(
    trpc.rooms.create.mutationOptions({
      onSuccess: (room) => {
        void queryClient.invalidateQueries({ queryKey: trpc.rooms.list.pathKey() });
        navigate(`/rooms/${room.id}`);
      },
    }),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const description = formText(form, 'description').trim();
    create.mutate({
      name: formText(form, 'name').trim(),
      description: description || undefined,
      visibility: oneOf<CreateInput['visibility']>(formText(form, 'visibility'), visibilities),
      joinPolicy: oneOf<CreateInput['joinPolicy']>(formText(form, 'joinPolicy'), joinPolicies),
      controlPolicy: oneOf<NonNullable<CreateInput['controlPolicy']>>(formText(form, 'controlPolicy'), controlPolicies),
    });
  };

  return (
    <form className="room-create" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('createTitle')}</h2>
      <Field label={t('name')} name="name" required maxLength={100} autoComplete="off" />
      <div className="field">
        <label htmlFor={`${id}-description`}>{t('description')}</label>
        <textarea id={`${id}-description`} name="description" rows={2} maxLength={1000} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-visibility`}>{t('visibility')}</label>
        <select id={`${id}-visibility`} name="visibility" defaultValue="public">
          <option value="public">{t('public')}</option>
          <option value="private">{t('private')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-join`}>{t('joinPolicy')}</label>
        <select id={`${id}-join`} name="joinPolicy" defaultValue="open">
          <option value="open">{t('open')}</option>
          <option value="approval">{t('approval')}</option>
          <option value="invite_only">{t('invite_only')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-control`}>{t('controlPolicy')}</label>
        <select id={`${id}-control`} name="controlPolicy" defaultValue="owner">
          <option value="owner">{t('ctlOwner')}</option>
          <option value="admins">{t('ctlAdmins')}</option>
          <option value="everyone">{t('ctlEveryone')}</option>
        </select>
      </div>
      <Alert>{create.error ? errorText(create.error) : null}</Alert>
      <button type="submit" className="primary" disabled={create.isPending}>
        {t('create')}
      </button>
    </form>
  );
}
