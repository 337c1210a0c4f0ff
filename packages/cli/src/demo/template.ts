/** The demo's config repository: a small web service as a Service, its config as Files. */

export function demoRepositoryFiles(port: number): Record<string, string> {
  return {
    'README.md': `# Demo config repository\n\nTrueup keeps \`hosts/web/\` converged on the demo root; \`files/\` holds what it installs. Edit, commit, push.\n`,
    'hosts/web/app.yaml': `# The web service and its files. Paths resolve under the application's root;
# sources are relative to this folder.
apiVersion: host.trueup.dev/v1alpha1
kind: Directory
metadata:
  name: web-root
spec:
  path: /srv/web
---
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: server
spec:
  path: /srv/web/server.cjs
  source: ../../files/web/server.cjs
---
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: config
spec:
  path: /srv/web/config.json
  source: ../../files/web/config.json
  mode: "0640"
---
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: index
spec:
  path: /srv/web/index.html
  source: ../../files/web/index.html
---
apiVersion: host.trueup.dev/v1alpha1
kind: Symlink
metadata:
  name: current
spec:
  path: /srv/current
  target: /srv/web
---
apiVersion: host.trueup.dev/v1alpha1
kind: Service
metadata:
  name: web
spec:
  command: ["node", "server.cjs"]
  workingDir: /srv/web
  env:
    PORT: "${port}"
  restart: always
  healthCheck:
    http: { port: ${port}, path: /healthz }
    interval: 2s
  # A new config or server restarts the service.
  onChange: [File/config, File/server]
`,
    'files/web/config.json': `${JSON.stringify({ greeting: 'Hello from Trueup', color: '#2563eb' }, null, 2)}\n`,
    'files/web/index.html': `<!doctype html>
<html>
  <head><title>Trueup demo</title></head>
  <body style="font-family: sans-serif; color: {{color}}">
    <h1>{{greeting}}</h1>
    <p>Served by a Service that Trueup keeps converged to Git.</p>
  </body>
</html>
`,
    'files/web/server.cjs': `// The demo web service: renders index.html with config.json.
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');

const port = Number(process.env.PORT);
const page = () => {
  const config = JSON.parse(readFileSync('config.json', 'utf8'));
  return readFileSync('index.html', 'utf8').replace(/{{(\\w+)}}/g, (_, key) => String(config[key] ?? ''));
};

createServer((request, response) => {
  if (request.url === '/healthz') return response.end('ok\\n');
  response.setHeader('content-type', 'text/html');
  response.end(page());
}).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`,
  };
}

export function demoApplication(repoURL: string, root: string): string {
  return `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: demo
spec:
  source:
    repoURL: ${repoURL}
    ref: main
    path: hosts/web
    credentials:
      username: demo
      passwordFile: secrets/git-password
  destination:
    host:
      root: ${root}
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    interval: 30s
`;
}
