#!/usr/bin/env node
/*
 * Serves a built Backstage frontend (the `dist` folder of
 * `backstage-cli package build`, whose index.html carries the frontend's
 * config) on a loopback port, as a static host such as nginx would: files
 * as they are, and index.html for every other path, so the app's own router
 * takes it.
 *
 *   node scripts/lib/serveBuiltApp.cjs packages/app/dist 3000
 *
 * The end-to-end tests use it because a production bundle loads in a third
 * of the time of the dev server's (about 3 s against 8 to 10 s per sign-in
 * here), and it is what users get. Node's http alone: a test harness on
 * loopback that serves one folder needs no framework.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const [dirArg, portArg] = process.argv.slice(2);
if (!dirArg || !portArg) {
  console.error('usage: serveBuiltApp.cjs <dist folder> <port>');
  process.exit(2);
}
const root = path.resolve(dirArg);
const index = path.join(root, 'index.html');
if (!fs.existsSync(index)) {
  console.error(`serveBuiltApp: ${index} is missing; build the app first`);
  process.exit(1);
}

const TYPES = {
  '.css': 'text/css',
  '.html': 'text/html; charset=utf-8',
  '.ico': 'image/x-icon',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The file a request path names inside the folder, or index.html. */
function fileFor(url) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return index;
  }
  const file = path.join(root, pathname);
  if (!file.startsWith(root + path.sep)) {
    return index;
  }
  try {
    return fs.statSync(file).isFile() ? file : index;
  } catch {
    return index;
  }
}

http
  .createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileFor(req.url);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      // Built assets carry a content hash; index.html names the current ones.
      'cache-control':
        file === index ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).pipe(res);
  })
  .listen(Number(portArg), '127.0.0.1', () => {
    console.log(`serving ${root} on http://localhost:${portArg}`);
  });
