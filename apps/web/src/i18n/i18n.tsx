import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export const locales = ['en', 'zh'] as const;
export type Locale = (typeof locales)[number];

/** One feature's strings: every key in English and in Chinese (a missing one fails typecheck). */
export type Messages<K extends string = string> = { en: Record<K, string>; zh: Record<K, string> };

export function defineMessages<const E extends Record<string, string>>(messages: { en: E; zh: Record<keyof E, string> }) {
  return messages as Messages<keyof E & string>;
}

export type Translate<K extends string> = (key: K, vars?: Record<string, string | number>) => string;

const STORAGE_KEY = 'chorus.locale';

function initialLocale(): Locale {
  const saved = window.localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return window.navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

const LocaleContext = createContext<{ locale: Locale; setLocale: (locale: Locale) => void }>({ locale: 'en', setLocale: () => {} });

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    setLocaleState(next);
  }, []);
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale() {
  return useContext(LocaleContext);
}

/** `t('key', { name })` replaces `{name}` in the current locale's string. */
export function useT<K extends string>(messages: Messages<K>): Translate<K> {
  const { locale } = useLocale();
  return useCallback(
    (key: K, vars?: Record<string, string | number>) => {
      const text = messages[locale][key];
      return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => String(vars[name] ?? whole)) : text;
    },
    [locale, messages],
  );
}
