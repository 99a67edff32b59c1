// `npm run cluster`: the e2e control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok's fake nodes, from the cached Go builds, built first when
// missing) for trying the cluster half of graphdata by hand, with the upstream CRDs the
// e2e tests install. It prints a kubeconfig and what to run
// next, and runs until Ctrl-C (SIGINT) or SIGTERM, which stop every process and remove
// their temp folder (test/cluster/process.ts kills them; with util-linux setpriv the kernel
// does even if this process is SIGKILLed).
import { join } from 'node:path';
import { ControlPlane } from './control-plane.js';
import { crdDir, ensureBinaries, K8S_VERSION } from './global-setup.js';

const { binDir, kwokDir } = await ensureBinaries();
const cp = await ControlPlane.start({ binDir, kwokDir, crdDir });
const { kubeconfig, server, tmpDir } = cp.info;
const exports = `export KUBECONFIG=${kubeconfig} PATH="$PWD/bin:${binDir}:$PATH"`;
process.stdout.write(
  [
    `graphdata: Kubernetes ${K8S_VERSION} control plane ready at ${server} (logs in ${tmpDir})`,
    `kubeconfig: ${kubeconfig}`,
    '  contexts: graphdata-admin (current, cluster-admin) and graphdata-tenant (a user with no RBAC)',
    `kubectl ${K8S_VERSION}: ${join(binDir, 'kubectl')}`,
    'kwok plays the kubelet of three fake nodes: pods are scheduled and shown Running, but no container runs.',
    '',
    'In another terminal, from the repository, start the webhook on https://127.0.0.1:8443:',
    `  ${exports}`,
    '  npm start -- --kubeconfig "$KUBECONFIG"',
    'and in a third, register it:',
    `  ${exports}`,
    '  kubectl graphdata install --webhook-url https://127.0.0.1:8443 --ca-file certs/dev/ca.crt',
    '',
    `Ctrl-C stops the control plane and kwok and removes ${tmpDir}.`,
    '',
  ].join('\n'),
);

const stop = (signal: NodeJS.Signals) => {
  // process.ts's own handlers ran first: the processes are killed and the folder is gone.
  process.stdout.write(`graphdata: ${signal}: control plane stopped, ${tmpDir} removed\n`);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// Keeps the event loop alive until a signal: the children alone do not hold it open.
setInterval(() => {}, 1 << 30);
