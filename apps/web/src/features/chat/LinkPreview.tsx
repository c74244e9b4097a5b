import type { Message } from './types';

type Preview = NonNullable<Message['preview']>;

/**
 * The server's preview of a link in the message: its image comes from our own /files (stored by
 * the server), so showing it never contacts the linked site. Titles are rendered as text.
 */
export function LinkPreview({ preview }: { preview: Preview }) {
  return (
    <a className="link-preview" href={preview.url} target="_blank" rel="noopener noreferrer nofollow">
      {preview.imageFileId ? <img src={`/files/${encodeURIComponent(preview.imageFileId)}/thumbnail`} alt="" loading="lazy" /> : null}
      <span className="link-preview-text">
        <span className="link-preview-site muted">{preview.siteName}</span>
        {preview.title ? <strong>{preview.title}</strong> : null}
        {preview.description ? <span className="link-preview-description">{preview.description}</span> : null}
      </span>
    </a>
  );
}
