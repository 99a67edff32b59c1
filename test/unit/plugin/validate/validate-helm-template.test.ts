// A Helm chart's template given to validate gets one finding that says to render it,
// not a dozen YAML syntax errors; a manifest that merely carries `{{ }}` text is no template.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { runCli as cli } from '../run-cli.js';

const CHART_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`;

async function validate(yaml: string): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  const run = await cli(['validate', '-f', '-', '-o', 'json'], { stdin: yaml });
  return { code: run.code, diagnostics: (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics };
}

describe('validate: Helm templates', () => {
  it('gets one error at the first template action, saying to run helm template first', async () => {
    const { code, diagnostics } = await validate(CHART_DEPLOYMENT);
    expect(code).toBe(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'helm-template', line: 4, column: 9 });
    expect(diagnostics[0]!.message).toContain('{{ include "chart.fullname" . }} must be rendered');
    expect(diagnostics[0]!.hint).toContain('helm template');
  });

  it('leaves a manifest alone whose values hold template text (alert rules, Argo parameters)', async () => {
    const { code, diagnostics } = await validate(`apiVersion: v1
kind: ConfigMap
metadata:
  name: alerts
data:
  summary: "{{ $labels.instance }} is down"
  tmpl: |
    {{ define "x" }}{{ .Status }}{{ end }}
`);
    expect(diagnostics).toEqual([]);
    expect(code).toBe(0);
  });

  it('still reports plain YAML mistakes as syntax errors', async () => {
    const { diagnostics } = await validate('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    expect(diagnostics.map((d) => d.code)).toContain('yaml-syntax');
    expect(diagnostics.map((d) => d.code)).not.toContain('helm-template');
  });
});
