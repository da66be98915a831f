// kfc: runs Chromium in a network namespace of its own, started by src/testing/browser.ts as
//   unshare --user --map-root-user --net -- node browser-netns.mjs SOCKET CHROMIUM ARGS...
// Chromium aborts every request in flight (net::ERR_NETWORK_CHANGED) when the host's interfaces change,
// which they do at each container start. In this namespace the only interface is its own loopback, which
// never changes. Chromium reaches the host through a SOCKS5 proxy on 127.0.0.1:1080 here, relayed over
// the Unix socket SOCKET (a path: the filesystem is shared) to the SOCKS5 server browser.ts runs on the host.
import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const [socket, chromium, ...args] = process.argv.slice(2);
execFileSync('ip', ['link', 'set', 'lo', 'up']);
const relay = createServer((client) => {
  const host = connect(socket);
  client.pipe(host).pipe(client);
  const end = () => {
    client.destroy();
    host.destroy();
  };
  client.on('error', end);
  host.on('error', end);
});
relay.listen(1080, '127.0.0.1', () => {
  // fds 3 and 4 are playwright's pipe to the browser (--remote-debugging-pipe): handed down as they are.
  const child = spawn(
    chromium,
    [...args, '--proxy-server=socks5://127.0.0.1:1080', '--proxy-bypass-list=<-loopback>'],
    { stdio: [0, 1, 2, 3, 4] },
  );
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
});
