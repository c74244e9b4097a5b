// The files of a project that installs the packed @chorus/client from npm: what a Node script
// and a React app (Vite's template settings) would write, and a wrong variant of each that must
// fail to typecheck (so the types cannot have decayed into `any`).

/** What npm installs next to the tarball; tRPC itself arrives as the peer of both. */
export const consumerDependencies = {
  '@trpc/tanstack-react-query': '11.22.1',
  '@tanstack/react-query': '^5.90.0',
  react: '^19.2.0',
  'react-dom': '^19.2.0',
  '@types/react': '^19.2.0',
  '@types/react-dom': '^19.2.0',
  // The workspace's compiler, so a new TypeScript release cannot fail this test by itself.
  typescript: '~5.9.3',
  vite: '^8.0.0',
  ws: '^8.18.0',
  '@types/ws': '^8.18.0',
  '@types/node': '^20.19.0',
};

export const nodeConsumer = `
import { appCodeOf, closeChorusClient, createChorusClient, type AppErrorCode, type RouterInputs, type RouterOutputs } from '@chorus/client';
import WebSocket from 'ws';

const client = createChorusClient({ url: process.argv[2] ?? 'http://127.0.0.1:3000', WebSocket });
const pong: RouterOutputs['system']['ping'] = await client.system.ping.query();
const when: Date = pong.time;
const clockInput: RouterInputs['system']['clock'] = { intervalMs: 100 };
const tick = await new Promise<Date>((resolve, reject) => {
  const sub = client.system.clock.subscribe(clockInput, {
    onData: (data) => { sub.unsubscribe(); resolve(data.time); },
    onError: reject,
  });
});
const code: AppErrorCode | null = appCodeOf(new Error('not a chorus error'));
console.log(JSON.stringify({ isDate: when instanceof Date && tick instanceof Date, requestId: pong.requestId, code }));
await closeChorusClient(client);
`;

/** A wrong input type (TS2322) and an unknown procedure (TS2339). */
export const nodeConsumerWrong = nodeConsumer
  .replace('{ intervalMs: 100 }', "{ intervalMs: 'fast' }")
  .replace('client.system.ping.query()', 'client.system.pong.query()');

/** The Node consumer as plain JavaScript, to run. */
export const nodeConsumerScript = nodeConsumer
  .replace(/: [A-Za-z[\]'|. ]+(?= = )/g, '')
  .replace(/^import \{.*\} from '@chorus\/client';$/m, "import { appCodeOf, closeChorusClient, createChorusClient } from '@chorus/client';")
  .replace('new Promise<Date>', 'new Promise');

/** The React Query example of packages/client/README.md, as it is written there. */
export const reactConsumer = `
import { QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createTRPCContext, useSubscription } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import { createChorusClient, isChorusError, type AppRouter } from '@chorus/client';

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function ChorusProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient());
  // Same origin: the browser sends the HttpOnly session cookie by itself.
  const [trpcClient] = useState(() => createChorusClient({ url: location.origin }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

export function Conversation({ conversationId }: { conversationId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ping = useQuery(trpc.system.ping.queryOptions());
  const history = useQuery(trpc.chat.history.queryOptions({ conversationId }));
  const refresh = () => queryClient.invalidateQueries(trpc.chat.history.queryFilter({ conversationId }));
  const send = useMutation(trpc.chat.send.mutationOptions({ onSuccess: refresh }));
  const events = useSubscription(
    trpc.events.subscribe.subscriptionOptions(undefined, {
      onData: ({ data: event }) => {
        if (event.type === 'message.created' && event.message.conversationId === conversationId) void refresh();
        if (event.type === 'resync') void queryClient.invalidateQueries();
      },
    }),
  );
  const sendHello = () => send.mutate({ conversationId, clientId: crypto.randomUUID(), kind: 'text', text: 'Hello' });
  if (isChorusError(history.error, 'NOT_FOUND')) return <p>No such conversation</p>;
  return (
    <section>
      <p>{events.status === 'error' ? 'Reconnecting…' : \`Server time \${ping.data?.time.toLocaleTimeString() ?? '…'}\`}</p>
      <ul>{history.data?.map((message) => <li key={message.id}>{message.text}</li>)}</ul>
      <button type="button" onClick={sendHello} disabled={send.isPending}>Send</button>
    </section>
  );
}
`;

/** An unknown message kind (TS2322) and an unknown procedure (TS2339). */
export const reactConsumerWrong = reactConsumer.replace("kind: 'text'", "kind: 'txt'").replace('trpc.system.ping', 'trpc.system.pong');

export const reactEntry = `
import { createRoot } from 'react-dom/client';
import { ChorusProvider, Conversation } from './react-ok';

createRoot(document.getElementById('root')!).render(
  <ChorusProvider>
    <Conversation conversationId={1} />
  </ChorusProvider>,
);
`;

export const indexHtml = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>Chorus consumer</title></head>
  <body><div id="root"></div><script type="module" src="/main.tsx"></script></body>
</html>
`;

/** Node's strictest settings, without skipLibCheck: the shipped declarations must hold up. */
export const nodeCompilerOptions = {
  strict: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  noEmit: true,
  skipLibCheck: false,
  types: ['node'],
  lib: ['ES2022', 'DOM'],
};

/** Vite's React template (tsconfig.app.json), without `vite/client` types the files do not use. */
export const reactCompilerOptions = {
  target: 'ES2022',
  lib: ['ES2022', 'DOM', 'DOM.Iterable'],
  module: 'ESNext',
  types: [],
  skipLibCheck: true,
  moduleResolution: 'bundler',
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  moduleDetection: 'force',
  noEmit: true,
  jsx: 'react-jsx',
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noFallthroughCasesInSwitch: true,
};
