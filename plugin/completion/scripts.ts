// Shell scripts for `completion bash|zsh|fish`. Each asks the completer (the same one
// kubectl uses for `kubectl graphdata <TAB>`) and applies cobra's NoFileComp bit.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `completer` is the absolute path of bin/kubectl_complete-graphdata in this install. */
export function completionScript(shell: Shell, completer: string): string {
  return SCRIPTS[shell](quote(completer));
}

const SCRIPTS: Record<Shell, (completer: string) => string> = {
  bash: (completer) => `# bash completion for kubectl-graphdata
# Load now:      source <(kubectl graphdata completion bash)
# Load always:   kubectl graphdata completion bash > /etc/bash_completion.d/kubectl-graphdata
# \`kubectl graphdata <TAB>\` (kubectl >= 1.26) needs kubectl_complete-graphdata on PATH instead.
__kubectl_graphdata_completer() {
  local c=${completer}
  [ -x "$c" ] || c=$(command -v kubectl_complete-graphdata) || return 1
  "$c" "$@" 2>/dev/null
}
__kubectl_graphdata_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out line directive=0 IFS=$'\\n'
  local -a candidates=()
  out=$(__kubectl_graphdata_completer "\${COMP_WORDS[@]:1:COMP_CWORD}") || return
  for line in $out; do
    if [[ $line == :* ]]; then directive=\${line#:}; else candidates+=("\${line%%$'\\t'*}"); fi
  done
  COMPREPLY=($(compgen -W "\${candidates[*]}" -- "$cur"))
  if [[ \${#COMPREPLY[@]} -eq 0 && $((directive & 4)) -eq 0 ]]; then COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F __kubectl_graphdata_complete kubectl-graphdata
`,
  zsh: (completer) => `#compdef kubectl-graphdata
# zsh completion for kubectl-graphdata
# Load now:      source <(kubectl graphdata completion zsh)
# Load always:   kubectl graphdata completion zsh > "\${fpath[1]}/_kubectl-graphdata"
__kubectl_graphdata() {
  local c=${completer} line name directive=0
  local -a candidates
  [[ -x $c ]] || c=$(command -v kubectl_complete-graphdata) || return 1
  for line in "\${(@f)$("$c" "\${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
    if [[ $line == :* ]]; then directive=\${line#:}; continue; fi
    name=\${line%%$'\\t'*}
    if [[ $line == *$'\\t'* ]]; then candidates+=("\${name//:/\\\\:}:\${line#*$'\\t'}"); else candidates+=("\${name//:/\\\\:}"); fi
  done
  if (( \${#candidates} )); then _describe 'kubectl graphdata' candidates
  elif (( (directive & 4) == 0 )); then _files; fi
}
compdef __kubectl_graphdata kubectl-graphdata
`,
  fish: (completer) => `# fish completion for kubectl-graphdata
# Load now:      kubectl graphdata completion fish | source
# Load always:   kubectl graphdata completion fish > ~/.config/fish/completions/kubectl-graphdata.fish
function __kubectl_graphdata_complete
    set -l c ${completer}
    test -x $c; or set c (command -v kubectl_complete-graphdata); or return
    set -l args (commandline -opc) (commandline -ct)
    set -e args[1]
    set -l directive 0
    for line in ($c $args 2>/dev/null)
        if string match -q -- ':*' $line
            set directive (string sub -s 2 -- $line)
        else
            echo $line
        end
    end
    if test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
    end
end
complete -c kubectl-graphdata -f -a '(__kubectl_graphdata_complete)'
`,
};
