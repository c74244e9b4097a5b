// The part of s3rver 3's API the tests use (the package ships no types).
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    directory: string;
    silent?: boolean;
    vhostBuckets?: boolean;
    address?: string;
    port?: number;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** The request handler, for mounting in one's own HTTP server. */
    getMiddleware(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
