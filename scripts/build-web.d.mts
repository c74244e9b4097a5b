// Types of scripts/build-web.mjs for the TypeScript test that checks its staleness rule.
export const WEB_INPUTS: string[];
export const WEB_BUILD_MARKER: string;
export function newestMtime(path: string): number;
export function webBuildStaleness(repoRoot: string, inputs?: string[], marker?: string): string | null;
