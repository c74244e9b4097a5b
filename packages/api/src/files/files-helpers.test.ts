import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitizeFileName } from './file-names';
import { etagMatches, parseRange } from './http-range';
import { signedDownloadPath, verifySignedLink } from './signed-link';
import { servingOf, sniffMimeType } from './sniff';

describe('parseRange', () => {
  it('reads the three single-range forms and clamps to the size', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=100-', 1000)).toEqual({ kind: 'partial', range: { start: 100, end: 999 } });
    expect(parseRange('bytes=-10', 1000)).toEqual({ kind: 'partial', range: { start: 990, end: 999 } });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', range: { start: 0, end: 999 } });
    expect(parseRange('bytes=10-5000', 1000)).toEqual({ kind: 'partial', range: { start: 10, end: 999 } });
  });

  it('refuses ranges past the end and ignores what it does not understand', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    for (const header of [undefined, 'bytes=0-1,4-5', 'items=0-1', 'bytes=5-2', 'bytes=-', 'bytes=a-b']) {
      expect(parseRange(header, 1000), String(header)).toEqual({ kind: 'full' });
    }
  });

  it('matches If-None-Match lists, weak forms and *', () => {
    expect(etagMatches('"a", "b"', '"b"')).toBe(true);
    expect(etagMatches('W/"b"', '"b"')).toBe(true);
    expect(etagMatches('*', '"b"')).toBe(true);
    expect(etagMatches('"c"', '"b"')).toBe(false);
    expect(etagMatches(undefined, '"b"')).toBe(false);
  });
});

describe('sniffMimeType', () => {
  it('tells text from binary, and markup a browser would render', async () => {
    expect(await sniffMimeType(Buffer.from('just words\n'), true)).toBe('text/plain');
    expect(await sniffMimeType(Buffer.from(''), true)).toBe('text/plain');
    expect(await sniffMimeType(Buffer.from([0, 1, 2, 3, 250, 251]), true)).toBe('application/octet-stream');
    expect(await sniffMimeType(Buffer.from('\ufeff  <html><body>hi'), true)).toBe('text/html');
    expect(await sniffMimeType(Buffer.from('<svg viewBox="0 0 1 1"></svg>'), true)).toBe('image/svg+xml');
    expect(await sniffMimeType(Buffer.from('#!/bin/sh\nrm -rf /\n'), true)).toBe('application/x-sh');
    expect(await sniffMimeType(Buffer.from('<?xml version="1.0"?><note/>'), true)).toBe('application/xml');
  });

  it('accepts a head cut inside a UTF-8 character, unless it is the whole file', async () => {
    const cut = Buffer.from('naïve café €').subarray(0, -1);
    expect(await sniffMimeType(cut, false)).toBe('text/plain');
    expect(await sniffMimeType(cut, true)).toBe('application/octet-stream');
  });

  it('serves only safe media inline', () => {
    expect(servingOf('image/png')).toEqual({ contentType: 'image/png', inline: true });
    expect(servingOf('video/mp4')).toEqual({ contentType: 'video/mp4', inline: true });
    expect(servingOf('text/plain')).toEqual({ contentType: 'text/plain; charset=utf-8', inline: true });
    expect(servingOf('application/pdf')).toEqual({ contentType: 'application/pdf', inline: false });
    for (const mime of ['text/html', 'image/svg+xml', 'application/xml', 'application/x-elf', 'application/x-msdownload', 'application/rss+xml']) {
      expect(servingOf(mime), mime).toEqual({ contentType: 'application/octet-stream', inline: false });
    }
  });
});

describe('file names', () => {
  it('keeps a clean base name of at most 255 characters', () => {
    expect(sanitizeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(sanitizeFileName('../..')).toBe('file');
    expect(sanitizeFileName(' a\nb\u0000c\u202ed.txt ')).toBe('abcd.txt');
    expect(sanitizeFileName(undefined)).toBe('file');
    expect([...sanitizeFileName('😀'.repeat(300))]).toHaveLength(255);
  });

  it('encodes Content-Disposition so no name can break out of it', () => {
    expect(contentDisposition('attachment', 'a"b;\r\nc.txt')).toBe(`attachment; filename="a_b;__c.txt"; filename*=UTF-8''a%22b%3B%0D%0Ac.txt`);
    expect(contentDisposition('inline', "it's (1).png")).toBe(`inline; filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`);
  });
});

describe('signed links', () => {
  it('verifies its own signature for the same file, variant and expiry only', () => {
    const key = randomBytes(32);
    const now = new Date('2030-01-01T00:00:00Z');
    const expires = new Date(now.getTime() + 60_000);
    const query = (path: string) => new URL(path, 'http://x').searchParams;
    const path = signedDownloadPath(key, 'abc', null, expires);
    expect(verifySignedLink(key, 'abc', null, query(path), now)).toBe(true);
    expect(verifySignedLink(key, 'abd', null, query(path), now)).toBe(false);
    expect(verifySignedLink(key, 'abc', 'thumbnail', query(path), now)).toBe(false);
    expect(verifySignedLink(randomBytes(32), 'abc', null, query(path), now)).toBe(false);
    expect(verifySignedLink(key, 'abc', null, query(path), expires)).toBe(false);
  });
});
