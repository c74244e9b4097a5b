// The web app's figures, measured on this machine against a real server and Chromium:
//
//   node scripts/bootstrap.mjs tsx --conditions=@chorus/source apps/web/scripts/measure.ts [--messages 100] [--history 10000]
//
// 1. initial JavaScript of the first screen: the scripts apps/web/dist/index.html loads plus its
//    modulepreloads, each gzipped at level 9, summed (what a first visit downloads before the
//    app can render);
// 2. delivery: `chat.send` from a Node client to the message in another user's page, p50/p95 over
//    --messages sends one at a time. The page timestamps each new message element with a
//    MutationObserver (performance.timeOrigin + performance.now(), the wall clock Date.now()
//    reads on the same machine), so the figure covers the server, the WebSocket, the client
//    and React's commit to the DOM;
// 3. scrolling: a conversation of --history messages (sent through the API), scrolled upwards by
//    mouse wheel in steps from the newest message while the list loads older pages; the frame
//    times are the gaps between requestAnimationFrame callbacks, p50/p95/max, and from a
//    Chromium trace of the same scroll the gaps between presented frames and the dropped ones.
//
// It builds the app when stale and starts its own MariaDB and Redis under .data/measure/, all
// removed at the end. A JSON line with every figure closes the output.
import { parseArgs } from 'node:util';
import { closeChorusClient } from '@chorus/client';
import { ACTION_TIMEOUT_MS, clientOfContext } from '@chorus/testing';
import { befriend, messageLog, openConversation } from '../test/chat';
import { signUp, WEB_DIST_DIR } from '../test/harness';
import { initialJavaScript } from './measure-bundle';
import { measureDelivery, measureScrolling, type Percentiles, type ScrollFigure } from './measure-browser';
import { startScriptStack } from './script-stack';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100' }, history: { type: 'string', default: '10000' } } });
const log = (line: string) => console.error(`[measure] ${line}`);

async function main(): Promise<void> {
  const { stack, browser, defer, close } = await startScriptStack('measure', log);
  try {
    const bundle = await initialJavaScript(WEB_DIST_DIR);
    log(`initial JavaScript: ${bundle.files.length} files, ${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzipped`);

    // The reader signs up in the browser; the writer is a Node client, their friend.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    const reader = await signUp(page, stack);
    const readerClient = await clientOfContext(context, stack.url);
    defer(() => closeChorusClient(readerClient));
    const writer = await stack.accounts.register(`writer_${process.pid}`);
    const { conversationId } = await befriend(writer.client, readerClient, reader.username);
    await page.reload();
    const conversationView = await openConversation(page, writer.username).then(
      () => true,
      (error: unknown) => (log(`no conversation view to measure in (${String(error).split('\n')[0]})`), false),
    );
    let delivery: Percentiles | null = null;
    let scrolling: ScrollFigure | null = null;
    if (conversationView) {
      delivery = await measureDelivery(page, messageLog(page, writer.username), writer.client, conversationId, Number(values.messages));
      log(`delivery over ${delivery.count} messages: p50 ${delivery.p50} ms, p95 ${delivery.p95} ms, max ${delivery.max} ms`);

      const name = `History ${process.pid}`;
      const group = await writer.client.chat.createGroup.mutate({ name, memberIds: [(await readerClient.auth.me.query()).user.id] });
      scrolling = await measureScrolling(page, name, writer.client, group.conversationId, Number(values.history), log);
      log(`scrolling ${scrolling.history} messages: ${scrolling.frames} frames, p50 ${scrolling.p50} ms, p95 ${scrolling.p95} ms, max ${scrolling.max} ms`);
      const { trace } = scrolling;
      log(
        `  Chromium trace: ${trace.presented} frames presented, ${trace.dropped} dropped, gaps p50 ${trace.p50} ms, p95 ${trace.p95} ms, max ${trace.max} ms`,
      );
    }

    console.log(JSON.stringify({ chromium: browser.version(), bundle, delivery, scrolling }));
  } finally {
    await close();
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
