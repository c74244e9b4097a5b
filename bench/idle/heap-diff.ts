// What the idle connections hold, by kind of object: compares two heap snapshots of the idle
// benchmark's server process (BENCH_IDLE_SNAPSHOT=dir pnpm bench idle writes
// idle-<case>-before/after.heapsnapshot) and prints, per connection, the bytes and the count of
// each (node type, constructor or function name) that grew, largest first.
//
//   node --max-old-space-size=4096 --import tsx bench/idle/heap-diff.ts before.heapsnapshot after.heapsnapshot 2000 [top]
//
// Self sizes, not retained sizes: they add up to the heap's growth, so the rows say where the
// bytes are. A row "closure: onAbort" counts the function objects; their contexts (the variables
// they close over) are "hidden: system / Context".
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Row {
  count: number;
  bytes: number;
}

/** Kinds named by who holds them (their first retainer and its own): whose they are. */
const OWNED = new Set([
  '(object properties)',
  '(object elements)',
  'Array',
  'Map',
  'Context()',
  'system / PropertyArray',
  'system / Map',
  'system / DescriptorArray',
  '',
  'Object',
  'Promise',
  'system / PromiseReaction',
]);

/** Node types whose names are their contents (strings, numbers), grouped by type alone. */
const BY_TYPE_ONLY = new Set(['string', 'concatenated string', 'sliced string', 'number', 'regexp', 'code', 'bigint']);

function tally(file: string): Map<string, Row> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeFields = snapshot.snapshot.meta.edge_fields;
  const edgeWidth = edgeFields.length;
  const edgeTypeAt = edgeFields.indexOf('type');
  const edgeNameAt = edgeFields.indexOf('name_or_index');
  const contextEdge = snapshot.snapshot.meta.edge_types[0].indexOf('context');
  const rows = new Map<string, Row>();
  const { nodes, edges, strings } = snapshot;
  const toNodeAt = edgeFields.indexOf('to_node');
  const edgeTypes = snapshot.snapshot.meta.edge_types[0];
  const weakEdge = edgeTypes.indexOf('weak');
  const elementEdge = edgeTypes.indexOf('element');
  const hiddenEdge = edgeTypes.indexOf('hidden');
  // Each node's first (strong) retainer and the edge's name: says whose an anonymous node is.
  const retainer = new Int32Array(nodes.length / width).fill(-1);
  const retainerEdge = new Int32Array(nodes.length / width).fill(-1);
  for (let i = 0, e = 0; i < nodes.length; i += width) {
    const end = e + nodes[i + edgeCountAt]! * edgeWidth;
    for (; e < end; e += edgeWidth) {
      const to = edges[e + toNodeAt]! / width;
      if (edges[e + edgeTypeAt] === weakEdge || retainer[to] !== -1) continue;
      retainer[to] = i / width;
      retainerEdge[to] = e;
    }
  }
  const edgeName = (e: number) => {
    const type = edges[e + edgeTypeAt];
    return type === elementEdge || type === hiddenEdge ? `[${edges[e + edgeNameAt]}]` : strings[edges[e + edgeNameAt]!]!;
  };
  const plainName = (n: number) => strings[nodes[n * width + nameAt]!]!.slice(0, 40);
  let edge = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    let name = BY_TYPE_ONLY.has(type) ? '' : strings[nodes[i + nameAt]!]!.slice(0, 60);
    const edgeCount = nodes[i + edgeCountAt]!;
    // A function context is named by the variables it holds: that says whose it is.
    if (name === 'system / Context') {
      const names: string[] = [];
      for (let e = edge; e < edge + edgeCount * edgeWidth; e += edgeWidth) {
        if (edges[e + edgeTypeAt] === contextEdge) names.push(strings[edges[e + edgeNameAt]!]!);
      }
      name = `Context(${names.slice(0, 8).join(',')}${names.length > 8 ? ',…' : ''})`;
    }
    edge += edgeCount * edgeWidth;
    if (OWNED.has(name) || (type === 'closure' && name === '')) {
      const owner = retainer[i / width]!;
      if (owner >= 0) {
        const grand = retainer[owner]!;
        const via = grand >= 0 ? `${plainName(grand)}.${edgeName(retainerEdge[owner]!)} → ` : '';
        name = `${name} ← ${via}${plainName(owner)}.${edgeName(retainerEdge[i / width]!)}`;
      }
    }
    const key = `${type}: ${name}`;
    const row = rows.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += nodes[i + sizeAt]!;
    rows.set(key, row);
  }
  return rows;
}

const [beforeFile, afterFile, connectionsArg, topArg] = process.argv.slice(2);
if (!beforeFile || !afterFile || !connectionsArg) {
  console.error('usage: heap-diff.ts before.heapsnapshot after.heapsnapshot connections [top]');
  process.exit(2);
}
const connections = Number(connectionsArg);
const before = tally(beforeFile);
const after = tally(afterFile);
const diff = [...after].map(([key, row]) => {
  const was = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, bytes: (row.bytes - was.bytes) / connections, count: (row.count - was.count) / connections };
});
diff.sort((a, b) => b.bytes - a.bytes);
const total = diff.reduce((sum, row) => sum + row.bytes, 0);
console.log(`per connection: ${(total / 1024).toFixed(2)} KB of heap (self sizes), ${connections} connections`);
console.log('| bytes/conn | objects/conn | node type: name |');
console.log('| ---: | ---: | --- |');
for (const row of diff.slice(0, Number(topArg ?? 40))) console.log(`| ${row.bytes.toFixed(0)} | ${row.count.toFixed(2)} | ${row.key} |`);
