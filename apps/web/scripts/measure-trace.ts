// Frame times from a Chromium trace (categories TRACE_CATEGORIES): each frame's PipelineReporter
// says whether it was presented, dropped or not needed. The gaps between presented frames are
// what a person sees as smoothness (16.7 ms at 60 Hz); dropped frames are counted apart.
import { percentiles, type Percentiles } from './percentiles';

export const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame'];

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  args?: { frame_reporter?: { state?: string } };
}

export interface TraceFrames extends Percentiles {
  presented: number;
  dropped: number;
}

export function traceFrames(trace: Buffer | string): TraceFrames {
  const { traceEvents } = JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] };
  const begins = traceEvents.filter((event) => event.name === 'PipelineReporter' && event.ph === 'b');
  const stateOf = (event: TraceEvent) => event.args?.frame_reporter?.state ?? '';
  const presented = begins
    .filter((event) => stateOf(event).startsWith('STATE_PRESENTED'))
    .map((event) => event.ts / 1000)
    .sort((a, b) => a - b);
  const gaps = presented.slice(1).map((at, i) => at - presented[i]!);
  return { presented: presented.length, dropped: begins.filter((event) => stateOf(event) === 'STATE_DROPPED').length, ...percentiles(gaps) };
}
