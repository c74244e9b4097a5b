import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import type { Row } from './types';

const TOP_SPACE = 40;
/** How close to the top (px) scrolling starts loading the previous page. */
const LOAD_AHEAD = 600;
const AT_END = 48;

interface MessageLogProps {
  name: string;
  rows: Row[];
  meId: number;
  hasOlder: boolean;
  /** Shown at the top: loading, the beginning of the conversation, or an error. */
  top: ReactNode;
  onLoadOlder: () => void;
  onAtEndChange: (atEnd: boolean) => void;
  /** Changes when the reader sent something: scroll to it even if they were reading older messages. */
  jumpToEnd: number;
  renderRow: (row: Row, index: number) => ReactNode;
}

/** A row's key stays the same when the server's message replaces the pending one. */
function rowKey(row: Row, meId: number): string {
  return row.type === 'message' ? `${row.message.senderId}:${row.message.clientId}` : `${meId}:${row.pending.clientId}`;
}

/**
 * The history, newest at the bottom, virtualized: only rows near the viewport are in the DOM,
 * each measured as it renders. Anchored to the end: prepending older pages keeps what is on
 * screen in place, and new rows are followed while the reader is at the bottom.
 */
export function MessageLog({ name, rows, meId, hasOlder, top, onLoadOlder, onAtEndChange, jumpToEnd, renderRow }: MessageLogProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read in render on purpose
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 8,
    paddingStart: TOP_SPACE,
    getItemKey: (index) => rowKey(rows[index]!, meId),
    anchorTo: 'end',
    followOnAppend: true,
  });

  // Open at the newest message, once the first rows are there. Rows are measured as they render
  // (and a busy machine may render late), so the log keeps going to the end each time its size
  // changes until it has been there once.
  const reachedEnd = useRef(false);
  const totalSize = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    if (rows.length === 0 || reachedEnd.current) return;
    virtualizer.scrollToEnd();
  }, [rows.length, totalSize, virtualizer]);

  useEffect(() => {
    if (jumpToEnd > 0) virtualizer.scrollToEnd();
  }, [jumpToEnd, virtualizer]);

  // A short history that does not fill the log cannot be scrolled up: load on until it does.
  useEffect(() => {
    const element = scrollRef.current;
    if (element && hasOlder && element.scrollHeight <= element.clientHeight + LOAD_AHEAD) onLoadOlder();
  }, [hasOlder, rows.length, onLoadOlder]);

  const onScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight < AT_END;
    if (atEnd) reachedEnd.current = true;
    onAtEndChange(atEnd);
    if (reachedEnd.current && hasOlder && element.scrollTop < LOAD_AHEAD) onLoadOlder();
  };

  return (
    // A scrollable region must be reachable by keyboard to be scrolled without a mouse.
    <div ref={scrollRef} className="message-log" role="log" aria-label={name} tabIndex={0} onScroll={onScroll}>
      <div role="list" className="message-list" style={{ height: totalSize }}>
        <div className="log-top" style={{ height: TOP_SPACE }}>
          {top}
        </div>
        {virtualizer.getVirtualItems().map((item) => (
          <div
            key={item.key}
            role="listitem"
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="message-slot"
            style={{ transform: `translateY(${item.start}px)` }}
          >
            {renderRow(rows[item.index]!, item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
