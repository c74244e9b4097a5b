import { useState } from 'react';
import type { ChatT } from './messages';
import type { Message } from './types';

type Attached = NonNullable<Message['attachment']>;

const THUMB = 320;

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** An image (thumbnail; the full size on click) or a file to download. */
export function Attachment({ attachment, kind, t }: { attachment: Attached; kind: Message['kind']; t: ChatT }) {
  const [open, setOpen] = useState(false);
  const full = `/files/${encodeURIComponent(attachment.fileId)}`;
  if (kind !== 'image') {
    return (
      <p className="attachment-file">
        <a href={full} download={attachment.name}>
          {attachment.name}
        </a>{' '}
        <span className="muted">({formatSize(attachment.size)})</span>
      </p>
    );
  }
  // The thumbnail fits in 320×320; its box is reserved from the known size so rows do not jump.
  const scale = attachment.width && attachment.height ? Math.min(1, THUMB / Math.max(attachment.width, attachment.height)) : 1;
  const width = attachment.width ? Math.round(attachment.width * scale) : undefined;
  const height = attachment.height ? Math.round(attachment.height * scale) : undefined;
  return (
    <>
      <a
        href={full}
        className="attachment-image"
        title={t('openImage', { name: attachment.name })}
        onClick={(event) => {
          event.preventDefault();
          setOpen(true);
        }}
      >
        <img src={`${full}/thumbnail`} alt={attachment.name} width={width} height={height} loading="lazy" />
      </a>
      {open ? (
        <div
          className="lightbox"
          role="dialog"
          aria-modal="true"
          aria-label={attachment.name}
          onClick={() => setOpen(false)}
          onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}
        >
          <img src={full} alt={attachment.name} />
          <button type="button" autoFocus onClick={() => setOpen(false)}>
            {t('close')}
          </button>
        </div>
      ) : null}
    </>
  );
}
