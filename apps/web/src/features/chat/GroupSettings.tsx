import type { Detail } from './types';

export function GroupSettings({ detail }: { detail: Detail; onClose: () => void }) {
  return <div data-id={detail.id} />;
}
