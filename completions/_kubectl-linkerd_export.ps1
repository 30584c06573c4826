
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-linkerd_export' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-linkerd_export'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-linkerd_export' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Fetch /metrics from every selected proxy and print it')
            [CompletionResult]::new('stat', 'stat', [CompletionResultType]::ParameterValue, 'Success rate, RPS, latency percentiles and TCP connections per workload, like `linkerd viz stat`')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, '`stat` refreshed in place every --interval, busiest first, until q or Ctrl-C')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare two metric sets: snapshot files or live targets, or one target over an interval')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Save one scrape as an OpenMetrics snapshot (a diff, --from-file and promtool input)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Push to a Prometheus remote-write receiver, serve a scrape endpoint, or write a backfill file')
            [CompletionResult]::new('prometheus-config', 'prometheus-config', [CompletionResultType]::ParameterValue, 'Print the Prometheus federation job (or ServiceMonitor) for this cluster''s linkerd-viz')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Start a simulated Linkerd mesh in-process and show what the plugin does with it')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or install the helper kubectl uses to complete the plugin')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-linkerd_export;metrics' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Keep series matching a PromQL selector, e.g. ''response_total{classification="failure"}'' (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;stat' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read snapshots or raw proxy text instead of the cluster: one file gives numbers since proxy start, two give the window between them (the first is "before")')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Time between the two scrapes the rates are computed from')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'How rows are grouped')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('--since-start', '--since-start', [CompletionResultType]::ParameterName, 'One scrape; numbers since each proxy started')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;top' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Render saved data once instead of refreshing: one snapshot or raw file (numbers since proxy start) or two (the window between them)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between refreshes; each table covers the previous refresh to this one')
            [CompletionResult]::new('--iterations', '--iterations', [CompletionResultType]::ParameterName, 'Stop after N tables (default: until q or Ctrl-C)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'How rows are grouped')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Table columns')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Table columns')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;diff' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'A file side (repeatable, in order): `diff --from-file a.om --from-file b.om` is `diff a.om b.om`')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Compare one live target with itself DUR later')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Sum pods of a workload together, or compare per pod')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Keep series matching a PromQL selector, e.g. ''response_total{classification="failure"}'' (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live sides from `proxies` (default) or through the linkerd-viz Prometheus'' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('--only-changed', '--only-changed', [CompletionResultType]::ParameterName, 'Leave out series that did not change')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;snapshot' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Keep series matching a PromQL selector, e.g. ''response_total{classification="failure"}'' (repeatable)')
            [CompletionResult]::new('-O', '-O ', [CompletionResultType]::ParameterName, 'Where to write the snapshot; `-` is stdout. The file is replaced atomically')
            [CompletionResult]::new('--output-file', '--output-file', [CompletionResultType]::ParameterName, 'Where to write the snapshot; `-` is stdout. The file is replaced atomically')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;export' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'Keep metrics whose name is NAME or fully matches the regex (repeatable)')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Keep series matching a PromQL selector, e.g. ''response_total{classification="failure"}'' (repeatable)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL')
            [CompletionResult]::new('--remote-write', '--remote-write', [CompletionResultType]::ParameterName, 'Push to this Prometheus remote-write receiver (Prometheus: http://HOST:9090/api/v1/write, started with --web.enable-remote-write-receiver; Thanos, Mimir, Cortex, VictoriaMetrics)')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Scrape and push again every DUR until Ctrl-C or SIGTERM (the first lets the batch in flight finish)')
            [CompletionResult]::new('--bearer-token', '--bearer-token', [CompletionResultType]::ParameterName, 'Send `Authorization: Bearer TOKEN`')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'Read the bearer token from FILE (keeps it out of the shell history and `ps`)')
            [CompletionResult]::new('--basic-auth', '--basic-auth', [CompletionResultType]::ParameterName, 'Send HTTP basic auth')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header to every request, e.g. ''X-Scope-OrgID: team-a'' (repeatable)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file for an https receiver')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'The most samples in one request')
            [CompletionResult]::new('--write-timeout', '--write-timeout', [CompletionResultType]::ParameterName, 'Deadline for each remote-write request')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'The most a receiver outage may queue under --every: the encoded (compressed) requests, e.g. 64MiB, 512KiB, 1GB. When full, the oldest rounds are dropped, with a warning')
            [CompletionResult]::new('--buffer-dir', '--buffer-dir', [CompletionResultType]::ParameterName, 'Spool the queued requests to files in DIR instead of memory (created if missing); what is left at exit is sent first by the next run with the same DIR')
            [CompletionResult]::new('--serve', '--serve', [CompletionResultType]::ParameterName, 'Serve /metrics and /federate on ADDR: a bare PORT binds 127.0.0.1, HOST:PORT that host, :PORT or 0.0.0.0:PORT every interface (no authentication: a warning says so); port 0 picks a free one. The address is printed on stdout''s first line')
            [CompletionResult]::new('-O', '-O ', [CompletionResultType]::ParameterName, 'Write one scrape to FILE for `promtool tsdb create-blocks-from openmetrics`; `-` is stdout')
            [CompletionResult]::new('--output-file', '--output-file', [CompletionResultType]::ParameterName, 'Write one scrape to FILE for `promtool tsdb create-blocks-from openmetrics`; `-` is stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The format of the -O file')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The format of the -O file')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;prometheus-config' {
            [CompletionResult]::new('--viz-namespace', '--viz-namespace', [CompletionResultType]::ParameterName, 'The namespace linkerd-viz is installed in (default: detected in the cluster)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'With --format static: where your Prometheus reaches the viz Prometheus or `export --serve` (HOST:PORT, or https://HOST:PORT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;demo' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address the simulated API server listens on (with --serve)')
            [CompletionResult]::new('--kubeconfig-out', '--kubeconfig-out', [CompletionResultType]::ParameterName, 'Where to write the kubeconfig (with --serve; default: a temporary file)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Replicas per emojivoto deployment')
            [CompletionResult]::new('--namespaces', '--namespaces', [CompletionResultType]::ParameterName, 'Extra copies of the emojivoto namespace (emojivoto-1 ... emojivoto-N)')
            [CompletionResult]::new('--series', '--series', [CompletionResultType]::ParameterName, 'Pad each proxy''s /metrics to about N series')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Delay added to every API request and port-forward set-up, like a real API server and kubelet')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'Inject a fault into pods matching GLOB: refuse, forbid, notfound, slow=DUR, status=CODE, garbage, huge=MiB, reset, restart (repeatable), e.g. `--fault slow=3s:web-*`')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for the simulated names, UIDs and proxy uptimes')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('--serve', '--serve', [CompletionResultType]::ParameterName, 'Keep the simulated mesh running and print a kubeconfig path for trying every command')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;completion' {
            [CompletionResult]::new('--install', '--install', [CompletionResultType]::ParameterName, 'With `kubectl`: write the helper into DIR, a directory on PATH (e.g. ~/.krew/bin), instead of printing it')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector applied to pods, e.g. ''app=web,tier!=db''')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many proxies to scrape at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How to reach the proxies'' admin port')
            [CompletionResult]::new('--obfuscate', '--obfuscate', [CompletionResultType]::ParameterName, 'Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look in every namespace')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v, -vv, -vvv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress and no warnings on stderr; errors still print')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-linkerd_export;help' {
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Fetch /metrics from every selected proxy and print it')
            [CompletionResult]::new('stat', 'stat', [CompletionResultType]::ParameterValue, 'Success rate, RPS, latency percentiles and TCP connections per workload, like `linkerd viz stat`')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, '`stat` refreshed in place every --interval, busiest first, until q or Ctrl-C')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare two metric sets: snapshot files or live targets, or one target over an interval')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Save one scrape as an OpenMetrics snapshot (a diff, --from-file and promtool input)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Push to a Prometheus remote-write receiver, serve a scrape endpoint, or write a backfill file')
            [CompletionResult]::new('prometheus-config', 'prometheus-config', [CompletionResultType]::ParameterValue, 'Print the Prometheus federation job (or ServiceMonitor) for this cluster''s linkerd-viz')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Start a simulated Linkerd mesh in-process and show what the plugin does with it')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or install the helper kubectl uses to complete the plugin')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-linkerd_export;help;metrics' {
            break
        }
        'kubectl-linkerd_export;help;stat' {
            break
        }
        'kubectl-linkerd_export;help;top' {
            break
        }
        'kubectl-linkerd_export;help;diff' {
            break
        }
        'kubectl-linkerd_export;help;snapshot' {
            break
        }
        'kubectl-linkerd_export;help;export' {
            break
        }
        'kubectl-linkerd_export;help;prometheus-config' {
            break
        }
        'kubectl-linkerd_export;help;demo' {
            break
        }
        'kubectl-linkerd_export;help;completion' {
            break
        }
        'kubectl-linkerd_export;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
