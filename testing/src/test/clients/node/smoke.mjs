// @kubernetes/client-node 1.x as a real client of the sa-identity fake API server.
// Usage: node smoke.mjs KUBECONFIG
// Prints one line per step ("ok <step>: ..."), exits non-zero on the first failure ("FAIL <step>: ...").
// Never prints a token.
import * as k8s from '@kubernetes/client-node';

const kubeconfigPath = process.argv[2];
if (!kubeconfigPath) {
  console.error('usage: node smoke.mjs KUBECONFIG');
  process.exit(2);
}

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);
const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
const ns = 'node-smoke';

let step = 'start';

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function names(list) {
  return list.items.map((o) => o.metadata.name).sort();
}

async function run(name, body) {
  step = name;
  const detail = await body();
  console.log(`ok ${name}: ${detail}`);
}

/** Resolves with the first watch event of `type` for the object `name`, or rejects after `seconds`. */
function awaitEvent(path, params, type, name, seconds, startedAction) {
  return new Promise((resolve, reject) => {
    let controller;
    const timer = setTimeout(() => {
      if (controller) {
        controller.abort();
      }
      reject(new Error(`no ${type} event for ${name} within ${seconds} s`));
    }, seconds * 1000);
    const watch = new k8s.Watch(kc);
    watch
      .watch(
        path,
        { ...params, timeoutSeconds: seconds },
        (phase, obj) => {
          if (phase === type && obj && obj.metadata && obj.metadata.name === name) {
            clearTimeout(timer);
            controller.abort();
            resolve(`${phase} ${obj.metadata.name}`);
          }
        },
        (err) => {
          // Called once the stream ends: after our own abort (already resolved) or a failure.
          if (err && err.name !== 'AbortError') {
            clearTimeout(timer);
            reject(err);
          }
        },
      )
      .then((c) => {
        controller = c;
        return startedAction();
      })
      .catch((err) => {
        clearTimeout(timer);
        reject(err);
      });
  });
}

try {
  await run('create-namespace', async () => {
    const created = await core.createNamespace({ body: { metadata: { name: ns } } });
    check(created.metadata.uid, 'no uid');
    return created.metadata.name;
  });

  await run('create-serviceaccounts-with-labels', async () => {
    for (const [name, app] of [['sa-a', 'a'], ['sa-b', 'b'], ['sa-x', 'x']]) {
      const sa = await core.createNamespacedServiceAccount({
        namespace: ns,
        body: { metadata: { name, labels: { app } } },
      });
      check(sa.metadata.labels && sa.metadata.labels.app === app, `labels of ${name}: ${JSON.stringify(sa.metadata.labels)}`);
    }
    return 'sa-a sa-b sa-x';
  });

  await run('list-label-selector-in', async () => {
    const list = await core.listNamespacedServiceAccount({ namespace: ns, labelSelector: 'app in (a,b)' });
    const got = names(list).join(' ');
    check(got === 'sa-a sa-b', `app in (a,b) listed [${got}]`);
    return got;
  });

  await run('server-side-apply-create', async () => {
    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'applied', namespace: ns, labels: { app: 'a', rev: '1' } } },
      undefined, undefined, 'node-smoke', true, k8s.PatchStrategy.ServerSideApply);
    check(applied.metadata.uid, 'no uid');
    check(applied.metadata.labels.rev === '1', `labels ${JSON.stringify(applied.metadata.labels)}`);
    return `applied rev=${applied.metadata.labels.rev}`;
  });

  await run('server-side-apply-update', async () => {
    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'applied', namespace: ns, labels: { app: 'a', rev: '2' } } },
      undefined, undefined, 'node-smoke', true, k8s.PatchStrategy.ServerSideApply);
    check(applied.metadata.labels.rev === '2', `labels ${JSON.stringify(applied.metadata.labels)}`);
    const read = await core.readNamespacedServiceAccount({ name: 'applied', namespace: ns });
    check(read.metadata.labels.rev === '2', `read back ${JSON.stringify(read.metadata.labels)}`);
    return `applied rev=${read.metadata.labels.rev}`;
  });

  await run('watch-sees-added', async () => {
    const list = await core.listNamespacedServiceAccount({ namespace: ns });
    return awaitEvent(`/api/v1/namespaces/${ns}/serviceaccounts`, { resourceVersion: list.metadata.resourceVersion },
      'ADDED', 'watched', 30,
      () => core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'watched' } } }));
  });

  await run('token-request', async () => {
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'sa-a',
      namespace: ns,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 600 } },
    });
    check(tr.status && typeof tr.status.token === 'string' && tr.status.token.split('.').length === 3, 'no JWT in status.token');
    check(tr.status.expirationTimestamp, 'no expirationTimestamp');
    return `token issued, expires ${new Date(tr.status.expirationTimestamp).toISOString()}`;
  });

  console.log('all steps passed');
} catch (err) {
  const status = err && (err.code || err.statusCode);
  const code = status ? ` (HTTP ${status})` : '';
  const body = err && err.body ? `: ${String(typeof err.body === 'string' ? err.body : JSON.stringify(err.body)).slice(0, 400)}` : '';
  console.log(`FAIL ${step}: ${err && err.message ? err.message.split('\n')[0].slice(0, 300) : err}${code}${body}`);
  process.exit(1);
}
