import type { PlaybackState } from '@chorus/client';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { chorus } from '../../app/client';
import { uploadFile } from '../../app/upload';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { roomMessages } from './messages';
import { fileUrl } from './sync';

/**
 * Uploads a video and makes it the room's media. The file is sent to the room's chat first:
 * sending is what lets the room's members download it from `/files/<id>`.
 */
export function VideoUpload({ roomId, onSet }: { roomId: number; onSet: (playback: PlaybackState) => void }) {
  const t = useT(roomMessages);
  const errorText = useErrorText();
  const inputId = useId();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const file = new FormData(form).get('video');
    if (!(file instanceof File) || file.size === 0) return;
    abort.current = new AbortController();
    setError(null);
    setProgress(0);
    try {
      const fileId = await uploadFile(file, { signal: abort.current.signal, onProgress: (sent, total) => setProgress(total ? sent / total : 0) });
      await chorus.chat.send.mutate({ conversationId: roomId, clientId: `media-${fileId}`, kind: 'file', attachment: { fileId } });
      onSet(await chorus.rooms.playback.control.mutate({ roomId, action: 'set_media', mediaUrl: fileUrl(fileId) }));
      form.reset();
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught);
    } finally {
      setProgress(null);
    }
  };

  const percent = progress === null ? 0 : Math.round(progress * 100);
  return (
    <form className="video-upload" onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={inputId}>{t('videoFile')}</label>
        <input id={inputId} name="video" type="file" accept="video/*" required disabled={progress !== null} />
      </div>
      <button type="submit" disabled={progress !== null}>
        {t('upload')}
      </button>
      {progress !== null ? (
        <div className="upload-progress">
          <progress max={100} value={percent} aria-label={t('uploadProgress')} />
          <span role="status">{t('uploading', { percent })}</span>
        </div>
      ) : null}
      <Alert>{error ? errorText(error) : null}</Alert>
    </form>
  );
}
