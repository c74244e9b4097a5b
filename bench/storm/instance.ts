// A storm instance: fanout/instance.ts, plus a CPU profile of the storm window on request (the
// parent's BENCH_STORM_PROFILE): 'profile-start' starts the V8 profiler (answering { profiling: true }), { profileTo: file }
// writes what it saw since and answers { profiled: file }. The whole-life profile of
// `--cpu-prof` would mix the initial connect (new subscriptions) into the resumptions.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

let session: Session | null = null;
const post = <R>(method: string) =>
  new Promise<R>((resolve, reject) => session!.post(method, (error, result) => (error ? reject(error) : resolve(result as R))));

process.on('message', (message: unknown) => {
  if (message === 'profile-start') {
    session = new Session();
    session.connect();
    // Starting takes the instance a good part of a second (it logs every compiled function):
    // the parent waits for this answer before its steady span, so that is not counted as the storm's.
    void post('Profiler.enable')
      .then(() => post('Profiler.start'))
      .then(() => process.send?.({ profiling: true }));
  } else if (session && typeof message === 'object' && message !== null && 'profileTo' in message) {
    const file = String(message.profileTo);
    void post<{ profile: object }>('Profiler.stop').then(({ profile }) => {
      writeFileSync(file, JSON.stringify(profile));
      session?.disconnect();
      session = null;
      process.send?.({ profiled: file });
    });
  }
});

await import('../fanout/instance');
