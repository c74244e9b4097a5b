// The benchmarks' progress lines, on stderr (stdout carries the reports). Its own module, so
// processes that must start quickly (idle/server.ts) can log without loading the workspace.
export const log = (msg: string): void => console.error(`[bench] ${msg}`);
