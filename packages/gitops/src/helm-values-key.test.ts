import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { valuesKeyOf } from './helm-values-key.ts';

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    tier: {{ .Values.tier | quote }}
spec:
  replicas: {{ .Values.replicaCount }}   # scaled by hand sometimes
  template:
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: {{- .Values.image.pullPolicy -}}
      nodeName: fixed
      priority: {{ add .Values.base 1 }}
---
kind: Service
spec:
  port: 80
  targetPort: 80
`;

test('helm values key: one line of the leaf with one values reference, else refused with the reason', () => {
  const ok = [
    { field: 'spec.replicas', want: 'replicaCount' },
    { field: 'metadata.labels.tier', want: 'tier' },
    { field: 'spec.template.spec.containers[name=web].imagePullPolicy', want: 'image.pullPolicy' },
  ];
  for (const { field, want } of ok) assert.equal(valuesKeyOf(TEMPLATE, 'chart/templates/web.yaml', field), want, field);
  const refused = [
    { field: 'spec.template.spec.containers[name=web].image', says: /chart\/templates\/web\.yaml:13 writes "image: "\{\{ \.Values\.image\.repository \}\}:\{\{ \.Values\.image\.tag \}\}"", not one/ },
    { field: 'spec.template.spec.nodeName', says: /:15 writes "nodeName: fixed"/ },
    { field: 'spec.template.spec.priority', says: /:16 writes "priority: \{\{ add \.Values\.base 1 \}\}"/ },
    { field: 'spec.port', says: /:20 writes "port: 80"/ },
    { field: 'spec.targetPort', says: /:21 writes "targetPort: 80"/ },
    { field: 'spec.hostNetwork', says: /has no "hostNetwork:" line/ },
    { field: 'spec.ports[0]', says: /does not end in a key/ },
  ];
  for (const { field, says } of refused) {
    assert.throws(() => valuesKeyOf(TEMPLATE, 'chart/templates/web.yaml', field), (error: unknown) => {
      assert.ok(isTrueupError(error, 'GITOPS_TEMPLATED'), String(error));
      assert.match(error.message, says, field);
      return true;
    });
  }
  assert.throws(() => valuesKeyOf('a:\n  port: {{ .Values.p }}\nb:\n  port: {{ .Values.q }}\n', 't.yaml', 'a.port'), /on lines 2, 4/);
});
