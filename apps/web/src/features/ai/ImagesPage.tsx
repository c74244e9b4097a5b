import type { RouterOutputs } from '@chorus/client';
import { useMutation } from '@tanstack/react-query';
import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { ProviderPicker, useConfigs, type ProviderRef } from './configs';
import { aiMessages } from './messages';

type Image = RouterOutputs['ai']['images']['generate'] & { prompt: string };
const sizes = ['1024x1024', '512x512', '256x256', '1792x1024', '1024x1792'] as const;

// The server has no listing of generated images: this page keeps those made since the app loaded.
let generated: Image[] = [];
const listeners = new Set<() => void>();
const gallery = {
  add: (image: Image) => {
    generated = [image, ...generated];
    listeners.forEach((listener) => listener());
  },
  subscribe: (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => generated,
};

/** A prompt becomes an image (served to its owner at /ai/images/:id, same origin). */
export function ImagesPage() {
  const t = useT(aiMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const id = useId();
  const configs = useConfigs();
  const [prompt, setPrompt] = useState('');
  const [size, setSize] = useState<(typeof sizes)[number]>('1024x1024');
  const [configId, setConfigId] = useState<ProviderRef | null>(null);
  const images = useSyncExternalStore(gallery.subscribe, gallery.get);
  const generate = useMutation(trpc.ai.images.generate.mutationOptions());
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = prompt.trim();
    if (!text) return;
    generate.mutate({ prompt: text, size, configId: configId ?? undefined }, { onSuccess: (image) => gallery.add({ ...image, prompt: text }) });
  };
  const latest = generate.data ? images.find((image) => image.id === generate.data.id) : undefined;
  return (
    <section className="ai-page" aria-labelledby="ai-images-title">
      <h1 id="ai-images-title">{t('imagesTitle')}</h1>
      <form className="ai-form" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={`${id}-prompt`}>{t('prompt')}</label>
          <textarea id={`${id}-prompt`} value={prompt} onChange={(event) => setPrompt(event.target.value)} rows={3} maxLength={4000} required />
        </div>
        <div className="ai-form-row">
          <label className="ai-picker">
            <span>{t('size')}</span>
            <select value={size} onChange={(event) => setSize(sizes.find((option) => option === event.target.value) ?? '1024x1024')}>
              {sizes.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          </label>
          <ProviderPicker configs={configs.data ?? []} value={configId} onChange={setConfigId} />
          <button type="submit" className="primary" disabled={generate.isPending || prompt.trim() === ''}>
            {generate.isPending ? t('generating') : t('generate')}
          </button>
        </div>
        <Alert>{generate.error ? errorText(generate.error) : null}</Alert>
      </form>
      {latest ? (
        <figure className="ai-image-latest">
          <img src={latest.url} alt={latest.prompt} />
          <figcaption>{latest.prompt}</figcaption>
        </figure>
      ) : null}
      <h2>{t('gallery')}</h2>
      {images.length === 0 ? <p className="muted">{t('noImages')}</p> : null}
      <ul className="ai-gallery">
        {images.map((image) => (
          <li key={image.id}>
            <a href={image.url} target="_blank" rel="noreferrer">
              <img src={image.url} alt={image.prompt} loading="lazy" />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
