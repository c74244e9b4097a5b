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
    setUploads((current) => (patch ? current.map((entry) => (entry.key === key ? { ...entry, ...patch } : entry)) : current.filter((entry) => entry.key !== key)));

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
        <span aria-hidden="true">📎</span>
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
