
use builtin;
use str;

set edit:completion:arg-completer[kubectl-linkerd_export] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kubectl-linkerd_export'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kubectl-linkerd_export'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Namespace (default: the context''s namespace, else "default")'
            cand --namespace 'Namespace (default: the context''s namespace, else "default")'
            cand -l 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --selector 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --concurrency 'How many proxies to scrape at once'
            cand --timeout 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)'
            cand --via 'How to reach the proxies'' admin port'
            cand --obfuscate 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names'
            cand --color 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour'
            cand -A 'Look in every namespace'
            cand --all-namespaces 'Look in every namespace'
            cand -v 'More logging on stderr (-v, -vv, -vvv)'
            cand --verbose 'More logging on stderr (-v, -vv, -vvv)'
            cand -q 'No progress and no warnings on stderr; errors still print'
            cand --quiet 'No progress and no warnings on stderr; errors still print'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand metrics 'Fetch /metrics from every selected proxy and print it'
            cand demo 'Start a simulated Linkerd mesh in-process and show what the plugin does with it'
            cand completion 'Print a shell completion script, or install the kubectl completion helper'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-linkerd_export;metrics'= {
            cand --from-file 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster'
            cand -m 'Keep metrics whose name is NAME or fully matches the regex (repeatable)'
            cand --metric 'Keep metrics whose name is NAME or fully matches the regex (repeatable)'
            cand --match 'Keep series matching a PromQL selector, e.g. ''response_total{classification="failure"}'' (repeatable)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Namespace (default: the context''s namespace, else "default")'
            cand --namespace 'Namespace (default: the context''s namespace, else "default")'
            cand -l 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --selector 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --concurrency 'How many proxies to scrape at once'
            cand --timeout 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)'
            cand --via 'How to reach the proxies'' admin port'
            cand --obfuscate 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names'
            cand --color 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour'
            cand -A 'Look in every namespace'
            cand --all-namespaces 'Look in every namespace'
            cand -v 'More logging on stderr (-v, -vv, -vvv)'
            cand --verbose 'More logging on stderr (-v, -vv, -vvv)'
            cand -q 'No progress and no warnings on stderr; errors still print'
            cand --quiet 'No progress and no warnings on stderr; errors still print'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-linkerd_export;demo'= {
            cand --listen 'Address the simulated API server listens on (with --serve)'
            cand --kubeconfig-out 'Where to write the kubeconfig (with --serve; default: a temporary file)'
            cand --replicas 'Replicas per emojivoto deployment'
            cand --namespaces 'Extra copies of the emojivoto namespace (emojivoto-1 ... emojivoto-N)'
            cand --series 'Pad each proxy''s /metrics to about N series'
            cand --latency 'Delay added to every API request and port-forward set-up, like a real API server and kubelet'
            cand --fault 'Inject a fault into pods matching GLOB: refuse, forbid, notfound, slow=DUR, status=CODE, garbage, huge=MiB, reset, restart (repeatable), e.g. `--fault slow=3s:web-*`'
            cand --seed 'Seed for the simulated names, UIDs and proxy uptimes'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Namespace (default: the context''s namespace, else "default")'
            cand --namespace 'Namespace (default: the context''s namespace, else "default")'
            cand -l 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --selector 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --concurrency 'How many proxies to scrape at once'
            cand --timeout 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)'
            cand --via 'How to reach the proxies'' admin port'
            cand --obfuscate 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names'
            cand --color 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour'
            cand --serve 'Keep the simulated mesh running and print a kubeconfig path for trying every command'
            cand -A 'Look in every namespace'
            cand --all-namespaces 'Look in every namespace'
            cand -v 'More logging on stderr (-v, -vv, -vvv)'
            cand --verbose 'More logging on stderr (-v, -vv, -vvv)'
            cand -q 'No progress and no warnings on stderr; errors still print'
            cand --quiet 'No progress and no warnings on stderr; errors still print'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-linkerd_export;completion'= {
            cand --install 'With `kubectl`: write the helper into DIR, a directory on PATH (e.g. ~/.krew/bin), instead of printing it'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Namespace (default: the context''s namespace, else "default")'
            cand --namespace 'Namespace (default: the context''s namespace, else "default")'
            cand -l 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --selector 'Label selector applied to pods, e.g. ''app=web,tier!=db'''
            cand --concurrency 'How many proxies to scrape at once'
            cand --timeout 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)'
            cand --via 'How to reach the proxies'' admin port'
            cand --obfuscate 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names'
            cand --color 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour'
            cand -A 'Look in every namespace'
            cand --all-namespaces 'Look in every namespace'
            cand -v 'More logging on stderr (-v, -vv, -vvv)'
            cand --verbose 'More logging on stderr (-v, -vv, -vvv)'
            cand -q 'No progress and no warnings on stderr; errors still print'
            cand --quiet 'No progress and no warnings on stderr; errors still print'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kubectl-linkerd_export;help'= {
            cand metrics 'Fetch /metrics from every selected proxy and print it'
            cand demo 'Start a simulated Linkerd mesh in-process and show what the plugin does with it'
            cand completion 'Print a shell completion script, or install the kubectl completion helper'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-linkerd_export;help;metrics'= {
        }
        &'kubectl-linkerd_export;help;demo'= {
        }
        &'kubectl-linkerd_export;help;completion'= {
        }
        &'kubectl-linkerd_export;help;help'= {
        }
    ]
    $completions[$command]
}
