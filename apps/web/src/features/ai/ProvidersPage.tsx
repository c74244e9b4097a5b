import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useSession } from '../../app/session';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { useConfigs, type AiConfig } from './configs';
import { aiMessages } from './messages';

/** The caller's providers and the operator's: add, test, delete. Keys are write-only. */
export function ProvidersPage() {
  const t = useT(aiMessages);
  const errorText = useErrorText();
  const configs = useConfigs();
  const isGuest = useSession()?.user.isGuest ?? false;
  return (
    <section className="ai-page" aria-labelledby="ai-providers-title">
      <h1 id="ai-providers-title">{t('providersTitle')}</h1>
      <p className="muted">{t('providersIntro')}</p>
      <Alert>{configs.error ? errorText(configs.error) : null}</Alert>
      {configs.isPending ? <p role="status">{t('loading')}</p> : null}
      {configs.data?.length === 0 ? <p className="muted">{t('noProviders')}</p> : null}
      <ul className="ai-providers">
        {configs.data?.map((config) => (
          <ProviderRow key={String(config.id)} config={config} canManage={!isGuest} />
        ))}
      </ul>
      {isGuest ? <p className="ai-note">{t('guestProviders')}</p> : <AddProvider />}
    </section>
  );
}

function ProviderRow({ config, canManage }: { config: AiConfig; canManage: boolean }) {
  const t = useT(aiMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const test = useMutation(trpc.ai.configs.test.mutationOptions());
  const remove = useMutation(trpc.ai.configs.delete.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.ai.configs.list.queryFilter()) }));
  const userId = config.kind === 'user' ? config.id : null;
  const result = test.data;
  return (
    <li className="ai-provider">
      <div className="ai-provider-info">
        <strong>{config.label}</strong>
        {config.kind === 'system' ? <span className="ai-badge">{t('system')}</span> : null}
        {config.isDefault ? <span className="ai-badge">{t('isDefault')}</span> : null}
        <span className="muted">
          {config.model}
          {config.baseUrl ? ` · ${config.baseUrl}` : ''}
          {config.apiKeyLast4 ? ` · ${t('key', { last4: config.apiKeyLast4 })}` : ''}
        </span>
      </div>
      <div className="ai-provider-actions">
        {canManage ? (
          <button type="button" onClick={() => test.mutate({ id: config.id })} disabled={test.isPending} aria-label={`${t('test')} ${config.label}`}>
            {test.isPending ? t('testing') : t('test')}
          </button>
        ) : null}
        {canManage && typeof userId === 'number' ? (
          <button
            type="button"
            className="danger"
            onClick={() => remove.mutate({ id: userId })}
            disabled={remove.isPending}
            aria-label={`${t('delete')} ${config.label}`}
          >
            {t('delete')}
          </button>
        ) : null}
      </div>
      <p role="status" className={result ? (result.result === 'ok' ? 'alert-info' : 'error') : undefined}>
        {result ? t(`test_${result.result}`, { ms: Math.round(result.latencyMs) }) : null}
      </p>
      {test.error || remove.error ? (
        <p className="error" role="alert">
          {errorText(test.error ?? remove.error)}
        </p>
      ) : null}
    </li>
  );
}

function AddProvider() {
  const t = useT(aiMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [formKey, setFormKey] = useState(0);
  const create = useMutation(
    trpc.ai.configs.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.ai.configs.list.queryFilter());
        setFormKey((key) => key + 1);
      },
    }),
  );
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      label: formText(form, 'label'),
      baseUrl: formText(form, 'baseUrl'),
      apiKey: formText(form, 'apiKey'),
      model: formText(form, 'model'),
      isDefault: form.get('isDefault') === 'on',
    });
  };
  return (
    <form key={formKey} className="ai-form" onSubmit={onSubmit} aria-labelledby="ai-add-provider">
      <h2 id="ai-add-provider">{t('addProvider')}</h2>
      <Alert>{create.error ? errorText(create.error) : null}</Alert>
      <Field label={t('name')} name="label" required maxLength={100} />
      <Field label={t('baseUrl')} name="baseUrl" type="url" required hint={t('baseUrlHint')} />
      <Field label={t('apiKey')} name="apiKey" type="password" required minLength={4} autoComplete="off" />
      <Field label={t('model')} name="model" required maxLength={200} />
      <label className="ai-check">
        <input type="checkbox" name="isDefault" /> {t('makeDefault')}
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        {t('add')}
      </button>
      {create.isSuccess ? <p role="status">{t('added')}</p> : null}
    </form>
  );
}
