// The multipart-upload operations s3rver answers with 405 or NotImplemented: ListParts,
// AbortMultipartUpload and ListMultipartUploads, which tus's S3Store and the abandoned-upload
// cleanup need. They work on s3rver's own storage, where an upload in progress is the folder
// `<bucket>/._S3rver_uploads/<uploadId>/` holding the file `key` and one file per part
// (`<n>`, with its MD5 in `<n>.md5`); completing an upload removes the folder.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

const escape = (text: string) => text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
const tag = (name: string, value: string | number | boolean) => `<${name}>${escape(String(value))}</${name}>`;

function reply(res: ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  reply(res, status, `${XML_HEAD}<Error>${tag('Code', code)}${tag('Message', message)}</Error>`);
}

interface UploadFolder {
  uploadId: string;
  key: string;
  initiated: Date;
  path: string;
}

async function uploadsOf(bucketDir: string): Promise<UploadFolder[]> {
  const root = join(bucketDir, '._S3rver_uploads');
  const ids = await readdir(root).catch(() => [] as string[]);
  const found: UploadFolder[] = [];
  for (const uploadId of ids) {
    const path = join(root, uploadId);
    // A part sent to an unknown upload leaves a folder without `key`: no upload.
    const key = await readFile(join(path, 'key'), 'utf8').catch(() => null);
    if (key !== null) found.push({ uploadId, key, initiated: (await stat(join(path, 'key'))).mtime, path });
  }
  return found.sort((a, b) => a.key.localeCompare(b.key) || a.uploadId.localeCompare(b.uploadId));
}

async function listParts(res: ServerResponse, bucket: string, upload: UploadFolder, marker: number): Promise<void> {
  const numbers = (await readdir(upload.path))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((n) => n > marker)
    .sort((a, b) => a - b);
  const parts: string[] = [];
  for (const n of numbers) {
    const [info, md5] = await Promise.all([stat(join(upload.path, String(n))), readFile(join(upload.path, `${n}.md5`), 'utf8')]);
    parts.push(`<Part>${tag('PartNumber', n)}${tag('LastModified', info.mtime.toISOString())}${tag('ETag', `"${md5}"`)}${tag('Size', info.size)}</Part>`);
  }
  const head = tag('Bucket', bucket) + tag('Key', upload.key) + tag('UploadId', upload.uploadId) + tag('PartNumberMarker', marker);
  const tail = tag('NextPartNumberMarker', numbers.at(-1) ?? marker) + tag('MaxParts', 10000) + tag('IsTruncated', false);
  reply(res, 200, `${XML_HEAD}<ListPartsResult ${NS}>${head}${tail}${parts.join('')}</ListPartsResult>`);
}

async function listUploads(res: ServerResponse, bucket: string, bucketDir: string, prefix: string): Promise<void> {
  const uploads = (await uploadsOf(bucketDir)).filter((upload) => upload.key.startsWith(prefix));
  const items = uploads.map(
    (upload) =>
      `<Upload>${tag('Key', upload.key)}${tag('UploadId', upload.uploadId)}${tag('Initiated', upload.initiated.toISOString())}${tag('StorageClass', 'STANDARD')}</Upload>`,
  );
  const head =
    tag('Bucket', bucket) + tag('KeyMarker', '') + tag('UploadIdMarker', '') + tag('Prefix', prefix) + tag('MaxUploads', 1000) + tag('IsTruncated', false);
  reply(res, 200, `${XML_HEAD}<ListMultipartUploadsResult ${NS}>${head}${items.join('')}</ListMultipartUploadsResult>`);
}

/**
 * Answers the request when it is one of the three operations (true), else leaves it to s3rver.
 * The access key must be s3rver's; the signature itself is checked only by s3rver's own routes.
 */
export async function handleMultipartExtras(req: IncomingMessage, res: ServerResponse, directory: string, accessKeyId: string): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://s3.local');
  const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
  const key = keyParts.join('/');
  const query = url.searchParams;
  const operation =
    req.method === 'GET' && !key && query.has('uploads')
      ? 'ListMultipartUploads'
      : req.method === 'GET' && key && query.has('uploadId')
        ? 'ListParts'
        : req.method === 'DELETE' && key && query.has('uploadId')
          ? 'AbortMultipartUpload'
          : null;
  if (!operation || !bucket) return false;
  const credential = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
  if (credential !== accessKeyId) {
    s3Error(res, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    return true;
  }
  const bucketDir = join(directory, bucket);
  if (!(await stat(bucketDir).catch(() => null))) {
    s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    return true;
  }
  if (operation === 'ListMultipartUploads') {
    await listUploads(res, bucket, bucketDir, query.get('prefix') ?? '');
    return true;
  }
  const upload = (await uploadsOf(bucketDir)).find((candidate) => candidate.uploadId === query.get('uploadId') && candidate.key === key);
  if (!upload) {
    s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
  } else if (operation === 'ListParts') {
    await listParts(res, bucket, upload, Number(query.get('part-number-marker') ?? 0));
  } else {
    await rm(upload.path, { recursive: true, force: true });
    reply(res, 204);
  }
  return true;
}
