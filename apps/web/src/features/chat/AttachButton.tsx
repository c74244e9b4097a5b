import { useState, type ChangeEvent } from 'react';
import { uploadFile } from '../../app/upload';
import { useT } from '../../i18n/i18n';
import { useErrorText } from '../../ui/errors';
import { chatMessages } from './messages';
import type { Draft } from './useSend';

interface Upload {
  key: number;
  name: string;
  percent: number;
  error: string | null;
}

// Types the server accepts as image messages (it checks the bytes; anything else goes as a file).
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
let nextKey = 0;

/** "Attach file": uploads with a progress bar, then sends an image or file message. */
export function AttachButton({ onSend }: { onSend: (draft: Draft) => void }) {
  const t = useT(chatMessages);
  const errorText = useErrorText();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = (key: number, patch: Partial<Upload> | null) =>
    setUploads((current) =>
      patch ? current.map((entry) => (entry.key === key ? { ...entry, ...patch } : entry)) : current.filter((entry) => entry.key !== key),
    );

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    for (const file of files) {
      const key = nextKey++;
      setUploads((current) => [...current, { key, name: file.name, percent: 0, error: null }]);
      uploadFile(file, { onProgress: (sent, total) => update(key, { percent: total ? Math.round((sent / total) * 100) : 0 }) })
        .then((fileId) => {
          update(key, null);
          onSend({ kind: IMAGE_TYPES.has(file.type) ? 'image' : 'file', attachment: { fileId }, fileName: file.name });
        })
        .catch((error: unknown) => update(key, { error: errorText(error) }));
    }
  };

  return (
    <>
      <label className="attach button-like" title={t('attachFile')}>
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          <path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" />
        </svg>
        <span className="visually-hidden">{t('attachFile')}</span>
        <input type="file" className="visually-hidden" multiple onChange={onPick} />
      </label>
      {uploads.length > 0 ? (
        <ul className="uploads">
          {uploads.map((entry) => (
            <li key={entry.key}>
              {entry.error ? (
                <span role="alert">
                  {t('uploadFailed', { name: entry.name, reason: entry.error })}{' '}
                  <button type="button" className="link" onClick={() => update(entry.key, null)}>
                    {t('dismiss')}
                  </button>
                </span>
              ) : (
                <>
                  <span>{t('uploading', { name: entry.name })}</span>
                  <progress
                    max={100}
                    value={entry.percent}
                    aria-label={t('uploading', { name: entry.name })}
                    aria-valuenow={entry.percent}
                    aria-valuemin={0}
                    aria-valuemax={100}
                  />
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
