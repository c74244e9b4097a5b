import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { chorus, queryClient, TRPCProvider } from './app/client';
import { LocaleProvider } from './i18n/i18n';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={chorus} queryClient={queryClient}>
        <LocaleProvider>
          <App />
        </LocaleProvider>
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
