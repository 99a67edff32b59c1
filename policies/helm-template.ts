// A Helm chart's templates are Go templates, not YAML: `{{ include "x" . }}` and
// `{{- if … }}` lines make the YAML parser report a dozen syntax errors that say
// nothing about the cause. One finding instead: render the chart first. Pure.
import { diagnostic, type Diagnostic } from './diagnostics.js';

// A Go template action as Helm charts write them: `{{ .Values.x }}`, `{{- include …}}`,
// `{{ $x := … }}`, `{{ if … }}`, `{{/* comment */}}`.
const GO_ACTION =
  /\{\{-?\s*(?:[.$"(]|\/\*|(?:if|else|end|range|with|define|include|template|block|toYaml|tpl|printf|default|quote|required|lookup|not|and|or)\b)/;

/**
 * The one finding for a file that is an unrendered template: it holds a Go template
 * action and does not parse as YAML. A manifest that parses keeps its findings, so a
 * ConfigMap carrying alert templates (`"{{ $labels.instance }} is down"`) is no template.
 */
export function unrenderedTemplate(
  text: string,
  file: string,
  syntaxErrors: readonly Diagnostic[],
): Diagnostic | undefined {
  if (syntaxErrors.length === 0) return undefined;
  const m = GO_ACTION.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  const line = before.split('\n').length;
  const column = m.index - before.lastIndexOf('\n');
  const action = text.slice(m.index, text.indexOf('}}', m.index) + 2 || m.index + 40).slice(0, 60);
  return diagnostic(
    'error',
    'helm-template',
    `this file is a Helm (Go) template, not a manifest: ${action} must be rendered before it can be checked (the ${syntaxErrors.length} YAML syntax error${syntaxErrors.length === 1 ? '' : 's'} it causes are not listed)`,
    {
      file,
      line,
      column,
      hint: 'render it first: helm template RELEASE CHART [-f values.yaml] | kubectl graphdata validate -f -',
    },
  );
}
