// Shares of a V8 CPU profile's busy time (every sample but "(idle)"), as patches/README.md
// reports them for the @trpc/server patch:
//
//   node patches/profile-share.mjs <dir>/*.cpuprofile
//
// "_objectSpread2" counts every sample with @trpc/server's spread helper on its stack (what it
// calls included); "@trpc/server self" the samples whose running function is in @trpc/server.
// Profiles come from the fanout benchmark: BENCH_FANOUT_PROFILE=<dir> (bench/README.md).
import { readFileSync } from 'node:fs';

const TRPC_SERVER = /@trpc[+/]server/;

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const inSpread = new Map();
  const underSpread = (id) => {
    if (!inSpread.has(id)) {
      const { callFrame } = nodes.get(id);
      const parent = parents.get(id);
      const spread = callFrame.functionName === '_objectSpread2' && TRPC_SERVER.test(callFrame.url);
      inSpread.set(id, spread || (parent !== undefined && underSpread(parent)));
    }
    return inSpread.get(id);
  };

  let total = 0, idle = 0, spread = 0, trpcSelf = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // the delta after a sample is its duration
    const { callFrame } = nodes.get(id);
    total += ms;
    if (callFrame.functionName === '(idle)') return void (idle += ms);
    if (underSpread(id)) spread += ms;
    if (TRPC_SERVER.test(callFrame.url)) trpcSelf += ms;
  });
  const busy = total - idle;
  const share = (ms) => `${((100 * ms) / busy).toFixed(2)}%`;
  console.log(`${file}: busy ${busy.toFixed(0)} ms; _objectSpread2 ${share(spread)}; @trpc/server self ${share(trpcSelf)}`);
}
