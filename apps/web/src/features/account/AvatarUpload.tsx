import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { useTRPC, useTRPCClient } from '../../app/client';
import type { Me } from '../../app/session';
import { uploadFile } from '../../app/upload';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { accountMessages } from './messages';

/** Picks an image, uploads it over tus with a progress bar, then makes it the avatar. */
export function AvatarUpload({ user }: { user: Me['user'] }) {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const inputId = useId();
  const [progress, setProgress] = useState<number | null>(null);
  const abort = useRef<AbortController | null>(null);
  const refreshMe = () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });

  const change = useMutation({
    mutationFn: async (file: File) => {
      abort.current?.abort();
      const controller = new AbortController();
      abort.current = controller;
      setProgress(0);
      try {
        const fileId = await uploadFile(file, { signal: controller.signal, onProgress: (sent, total) => setProgress(total > 0 ? sent / total : 0) });
        // Done: aborting now (on leaving the page) would ask the server to delete the file.
        if (abort.current === controller) abort.current = null;
        return await client.account.setAvatar.mutate({ fileId });
      } finally {
        setProgress(null);
      }
    },
    onSuccess: refreshMe,
  });
  const remove = useMutation(trpc.account.update.mutationOptions({ onSuccess: refreshMe }));

  // Leaving the page stops an upload in flight.
  useEffect(() => () => abort.current?.abort(), []);

  const pick = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) change.mutate(file);
  };
  const error = change.error ?? remove.error;

  return (
    <div className="account-avatar">
      <Avatar name={user.displayName} url={user.avatarUrl} size={96} />
      <div className="field">
        <label htmlFor={inputId}>{t('avatar')}</label>
        <input
          id={inputId}
          type="file"
          accept="image/jpeg,image/png,image/webp,image/gif,image/avif"
          onChange={pick}
          disabled={change.isPending}
          aria-describedby={`${inputId}-hint`}
        />
        <small id={`${inputId}-hint`} className="hint">
          {t('avatarHint')}
        </small>
        {progress !== null ? <progress value={progress} max={1} aria-label={t('avatarProgress')} /> : null}
        <Alert>{error ? errorText(error) : null}</Alert>
        <Alert kind="info">{change.isSuccess ? t('avatarDone') : null}</Alert>
        {user.avatarUrl ? (
          <button type="button" className="link" onClick={() => remove.mutate({ avatarUrl: null })} disabled={remove.isPending}>
            {t('removeAvatar')}
          </button>
        ) : null}
      </div>
    </div>
  );
}
