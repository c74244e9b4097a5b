import type { RouterOutputs } from '@chorus/client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { aiMessages } from './messages';

/** The conversations list's one page (the sidebar and the titles share it). */
export const CONVERSATIONS_PAGE = { limit: 50 };

export type AiConfig = RouterOutputs['ai']['configs']['list'][number];
export type ProviderRef = AiConfig['id'];

export function useConfigs() {
  const trpc = useTRPC();
  return useQuery(trpc.ai.configs.list.queryOptions());
}

/**
 * A choice among several providers (none shown for one or none). `value` null means the
 * conversation's or the account's default.
 */
export function ProviderPicker({ configs, value, onChange }: { configs: AiConfig[]; value: ProviderRef | null; onChange: (ref: ProviderRef | null) => void }) {
  const t = useT(aiMessages);
  if (configs.length < 2) return null;
  return (
    <label className="ai-picker">
      <span>{t('provider')}</span>
      <select
        value={value === null ? '' : String(value)}
        onChange={(event) => onChange(configs.find((config) => String(config.id) === event.target.value)?.id ?? null)}
      >
        <option value="">{t('defaultProvider')}</option>
        {configs.map((config) => (
          <option key={String(config.id)} value={String(config.id)}>
            {config.label} · {config.model}
          </option>
        ))}
      </select>
    </label>
  );
}
