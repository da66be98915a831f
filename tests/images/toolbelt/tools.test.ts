// toolbelt (inherited by every Jupyter image and the desktop): each command-line tool starts as
// jovyan, prints its version and does one real local thing. No server is needed for any of them:
// kubectl renders manifests client-side, the MinIO client copies and mirrors local folders and
// keeps its alias config in the home, tmux runs a real session, sqlite3 writes a database.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ExecResult, type Notebook, startNotebook } from '../../../src/testing/container.ts';

describe('toolbelt: the platform command-line tools', () => {
  let nb: Notebook;
  // One container for the whole suite, started through start.sh like a notebook, idling.
  before(async () => {
    nb = await startNotebook({ cmd: ['start.sh', 'sleep', 'infinity'], wait: false });
  });
  after(async () => {
    await nb?.remove();
  });

  const sh = async (script: string): Promise<ExecResult> => {
    const r = await nb.exec(['bash', '-c', `set -euo pipefail\n${script}`], {
      user: '1000:100',
      workdir: '/home/jovyan',
    });
    assert.equal(r.exitCode, 0, `${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    return r;
  };

  test('kubectl renders a Deployment and a ConfigMap client-side (--dry-run=client -o yaml)', async () => {
    const v = await sh('kubectl version --client');
    assert.match(v.stdout, /Client Version: v1\.\d+\.\d+/);
    const dep = await sh(
      'kubectl create deployment web --image=registry.example/web:1 --replicas=2 --dry-run=client -o yaml',
    );
    assert.match(dep.stdout, /^kind: Deployment$/m);
    assert.match(dep.stdout, /^ {2}name: web$/m);
    assert.match(dep.stdout, /replicas: 2/);
    assert.match(dep.stdout, /image: registry\.example\/web:1/);
    const cm = await sh(
      'kubectl create configmap settings --from-literal=lang=fr --dry-run=client -o json | ' +
        'jq -r \'.kind + " " + .data.lang\'',
    );
    assert.equal(cm.stdout.trim(), 'ConfigMap fr');
  });

  test('mc is the MinIO client: local copy and mirror, aliases kept in the home', async () => {
    const v = await sh('mc --version');
    assert.match(v.stdout, /minio/i);
    assert.equal((await sh('readlink -f "$(command -v mc)"')).stdout.trim(), '/usr/bin/minio-client');
    await sh(
      'mkdir -p /tmp/mc/src/sub && echo bonjour > /tmp/mc/src/sub/a.txt && ' +
        'mc cp --recursive /tmp/mc/src/ /tmp/mc/dst/ && ' +
        'mc mirror /tmp/mc/src /tmp/mc/mirror',
    );
    assert.equal((await sh('cat /tmp/mc/dst/sub/a.txt /tmp/mc/mirror/sub/a.txt')).stdout, 'bonjour\nbonjour\n');
    // No S3 server runs here: the alias is written by `mc alias import` (no server call) and read back.
    const aliasJson =
      '{"url":"http://127.0.0.1:9000","accessKey":"kfc-access","secretKey":"kfc-secret-123",' +
      '"api":"s3v4","path":"auto"}';
    await sh(`printf '%s' '${aliasJson}' > /tmp/mc/alias.json
mc alias import kfcminio /tmp/mc/alias.json`);
    const list = await sh('mc alias list kfcminio --json');
    const alias = JSON.parse(list.stdout.trim().split('\n')[0]!);
    assert.equal(alias.URL ?? alias.url, 'http://127.0.0.1:9000');
    assert.equal(alias.accessKey, 'kfc-access');
    const cfg = await sh('ls ~/.mc/config.json ~/.minio-client/config.json 2>/dev/null || true');
    assert.match(cfg.stdout, /config\.json/, 'the alias config lives in the home (persistent volume)');
  });

  test('trino is the Trino CLI on the Java runtime', async () => {
    const t = await sh('trino --version');
    assert.match(t.stdout, /^Trino CLI \d+/m);
    const j = await sh('java -version 2>&1');
    assert.match(j.stdout, /openjdk version "\d+/);
    // Without a server it fails with a clear connection error, not a Java launch problem.
    const r = await nb.exec(['bash', '-c', "trino --server http://127.0.0.1:9 --execute 'SELECT 1' 2>&1"], {
      user: '1000:100',
    });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stdout, /Error running command|Connection refused|Failed to connect/i);
  });

  test('jq, gojq (YAML in and out) and sqlite3 work on real data', async () => {
    const q = await sh(`echo '{"a":[1,2,3]}' | jq -c '.a | map(. * 2)'`);
    assert.equal(q.stdout.trim(), '[2,4,6]');
    const y = await sh(
      `printf 'spec:\\n  replicas: 2\\n  image: web:1\\n' | gojq --yaml-input --yaml-output '.spec.replicas += 1'`,
    );
    assert.equal(y.stdout, 'spec:\n  image: web:1\n  replicas: 3\n');
    const s = await sh(
      `rm -f /tmp/t.db && sqlite3 /tmp/t.db "create table t(x int); insert into t values (1),(2),(39);" && ` +
        `sqlite3 /tmp/t.db 'select sum(x) from t'`,
    );
    assert.equal(s.stdout.trim(), '42');
  });

  test('zsh and tmux: a real tmux session runs a command and shows its output', async () => {
    assert.match((await sh("zsh -c 'echo zsh $ZSH_VERSION'")).stdout, /^zsh 5\.\d+/);
    assert.match((await sh('tmux -V')).stdout, /^tmux \d/);
    const r = await sh(`tmux -L kfc new-session -d -s t -x 120 -y 20 zsh -f
tmux -L kfc send-keys -t t 'echo $((6*7))-from-tmux' Enter
for _ in $(seq 1 50); do tmux -L kfc capture-pane -p -t t | grep -q '^42-from-tmux' && break; sleep 0.1; done
tmux -L kfc capture-pane -p -t t
tmux -L kfc kill-server`);
    assert.match(r.stdout, /^42-from-tmux$/m);
  });
});
