# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_linkerd_export_global_optspecs
    string join \n kubeconfig= context= n/namespace= A/all-namespaces l/selector= concurrency= timeout= max-body-size= via= obfuscate= target-labels= v/verbose q/quiet color= as= as-group= as-uid= cluster= user= s/server= token= certificate-authority= client-certificate= client-key= insecure-skip-tls-verify tls-server-name= request-timeout= h/help V/version
end

function __fish_kubectl_linkerd_export_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_linkerd_export_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_linkerd_export_using_subcommand
    set -l cmd (__fish_kubectl_linkerd_export_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "metrics" -d 'Fetch /metrics from every selected proxy and print it'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "stat" -d 'Success rate, RPS, latency percentiles and TCP connections per workload, like `linkerd viz stat`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "top" -d '`stat` refreshed in place every --interval, busiest first, until q or Ctrl-C'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "check" -d 'A data-plane health report from the proxies\' own metrics, grouped like `linkerd check`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "edges" -d 'Who talks to whom: source and destination workloads, identities, mTLS, RPS and connections'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "authz" -d 'Allowed and denied requests per second per inbound server, route and authorization, like `linkerd viz authz`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "routes" -d 'Success, RPS, latency, timeouts and retries per route and backend, like `linkerd viz stat-outbound`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "diff" -d 'Compare two metric sets: snapshot files or live targets, or one target over an interval'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "snapshot" -d 'Save one scrape as an OpenMetrics snapshot (a diff, --from-file and promtool input)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "export" -d 'Push to a Prometheus remote-write receiver, serve a scrape endpoint, or write a backfill file'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "prometheus-config" -d 'Print the Prometheus federation job (or ServiceMonitor) for this cluster\'s linkerd-viz'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "demo" -d 'Start a simulated Linkerd mesh in-process and show what the plugin does with it'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "completion" -d 'Print a shell completion script, or install the helper kubectl uses to complete the plugin'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l from-file -d 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s m -l metric -d 'Keep metrics whose name is NAME or fully matches the regex (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l match -d 'Keep series matching a PromQL selector, e.g. \'response_total{classification="failure"}\' (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s o -l output -d 'Output format' -r -f -a "raw\t'Each pod\'s body as served, in `linkerd diagnostics proxy-metrics` layout'
prom\t'One merged Prometheus text exposition with target labels'
openmetrics\t'One merged OpenMetrics exposition with target labels, ending in `# EOF`'
json\t'prom2json\'s JSON shape with target labels'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l source -d 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus\' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand metrics" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l from-file -d 'Read snapshots or raw proxy text instead of the cluster: one file gives numbers since proxy start, two give the window between them (the first is "before")' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l window -d 'Time between the two scrapes the rates are computed from' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l by -d 'How rows are grouped' -r -f -a "workload\t'One row per workload (inbound traffic), as `linkerd viz stat deploy`'
pod\t'One row per pod (inbound traffic)'
authority\t'Per workload, direction and authority'
route\t'Per workload and route (HTTPRoute/GRPCRoute metrics and service-profile routes)'
direction\t'Per workload and direction (inbound, outbound)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s o -l output -d 'Output format' -r -f -a "table\t'A table like `linkerd viz stat`'
wide\t'The table plus requests, read/write bytes per second and outbound route totals'
json\t'An array of rows with every number'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l source -d 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus\' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l since-start -d 'One scrape; numbers since each proxy started'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand stat" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l from-file -d 'Render saved data once instead of refreshing: one snapshot or raw file (numbers since proxy start) or two (the window between them)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l interval -d 'Time between refreshes; each table covers the previous refresh to this one' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l iterations -d 'Stop after N tables (default: until q or Ctrl-C)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l by -d 'How rows are grouped' -r -f -a "workload\t'One row per workload (inbound traffic), as `linkerd viz stat deploy`'
pod\t'One row per pod (inbound traffic)'
authority\t'Per workload, direction and authority'
route\t'Per workload and route (HTTPRoute/GRPCRoute metrics and service-profile routes)'
direction\t'Per workload and direction (inbound, outbound)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s o -l output -d 'Table columns' -r -f -a "table\t'The `stat` columns'
wide\t'Plus requests, read/write bytes per second and outbound route totals'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand top" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l from-file -d 'Read snapshots or raw proxy text instead of the cluster: one file is one scrape, two are the two scrapes of a window (the first is "before")' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l window -d 'Scrape twice this far apart: also finds restarted proxies and rising error counters, and judges traffic over the window (default: one scrape, counters since each proxy started)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l cert-warn -d 'Warn about identity certificates that expire within this' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l min-success -d 'Warn about workloads whose success rate is below this percentage (e.g. 95%, 99.5)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s o -l output -d 'Output format' -r -f -a "text\t'Headings and `√`/`‼`/`×` lines, as `linkerd check` prints them'
json\t'The findings as one JSON object, shaped like `linkerd check -o json`'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand check" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l from-file -d 'Read snapshots or raw proxy text instead of the cluster: one file is one scrape (numbers since each proxy started), two are the two scrapes of a window (the first is "before")' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l window -d 'Time between the two scrapes the rates are computed from' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s o -l output -d 'Output format' -r -f -a "table\t'A table like `linkerd viz edges`, with RPS and TCP connections'
wide\t'The table plus requests and TCP connections opened and closed in the window'
json\t'An array of edges with every field'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l since-start -d 'One scrape: every edge the proxies have seen, with numbers since each proxy started'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand edges" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l from-file -d 'Read snapshots or raw proxy text instead of the cluster: one file gives rates since proxy start, two give the window between them (the first is "before")' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l window -d 'Time between the two scrapes the rates are computed from' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s o -l output -d 'Output format' -r -f -a "table\t'Workload, server, route, authorizations, allowed and denied per second, denied share'
wide\t'The table with the namespace, protocol, counts and each authorization\'s rate'
json\t'The rows as a JSON array'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l since-start -d 'One scrape; rates since each proxy started'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand authz" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l from-file -d 'Read snapshots or raw proxy text instead of the cluster: one file gives counts since each proxy started (no rates), two give the window between them (the first is "before")' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l window -d 'Time between the two scrapes the rates come from' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s o -l output -d 'Output format' -r -f -a "table\t'One line per route and per backend, as `linkerd viz stat-outbound` prints them'
wide\t'The table with REQUESTS and PROTOCOL columns'
json\t'The rows as a JSON array'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand routes" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l from-file -d 'A file side (repeatable, in order): `diff --from-file a.om --from-file b.om` is `diff a.om b.om`' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l interval -d 'Compare one live target with itself DUR later' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l by -d 'Sum pods of a workload together, or compare per pod' -r -f -a "workload\t'Series summed over the pods of each workload'
pod\t'One series per pod'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s m -l metric -d 'Keep metrics whose name is NAME or fully matches the regex (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l match -d 'Keep series matching a PromQL selector, e.g. \'response_total{classification="failure"}\' (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t'Tables of changed series and histograms, each series with the labels that tell its rows apart'
wide\t'The same tables with every label of each series'
json\t'Every series and histogram diff as JSON'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l source -d 'Read live sides from `proxies` (default) or through the linkerd-viz Prometheus\' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l only-changed -d 'Leave out series that did not change'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand diff" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l from-file -d 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s m -l metric -d 'Keep metrics whose name is NAME or fully matches the regex (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l match -d 'Keep series matching a PromQL selector, e.g. \'response_total{classification="failure"}\' (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s O -l output-file -d 'Where to write the snapshot; `-` is stdout. The file is replaced atomically' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l source -d 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus\' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l from-file -d 'Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s m -l metric -d 'Keep metrics whose name is NAME or fully matches the regex (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l match -d 'Keep series matching a PromQL selector, e.g. \'response_total{classification="failure"}\' (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l source -d 'Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus\' federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l remote-write -d 'Push to this Prometheus remote-write receiver (Prometheus: http://HOST:9090/api/v1/write, started with --web.enable-remote-write-receiver; Thanos, Mimir, Cortex, VictoriaMetrics)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l every -d 'Scrape and push again every DUR until Ctrl-C or SIGTERM (the first lets the batch in flight finish)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l bearer-token -d 'Send `Authorization: Bearer TOKEN`' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l bearer-token-file -d 'Read the bearer token from FILE (keeps it out of the shell history and `ps`)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l basic-auth -d 'Send HTTP basic auth' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l header -d 'Add a header to every request, e.g. \'X-Scope-OrgID: team-a\' (repeatable)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l ca-file -d 'Trust the CA certificates in this PEM file for an https receiver' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l batch-size -d 'The most samples in one request' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l write-timeout -d 'Deadline for each remote-write request' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l buffer -d 'The most a receiver outage may queue under --every: the encoded (compressed) requests, e.g. 64MiB, 512KiB, 1GB. When full, the oldest rounds are dropped, with a warning' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l buffer-dir -d 'Spool the queued requests to files in DIR instead of memory (created if missing); what is left at exit is sent first by the next run with the same DIR' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l serve -d 'Serve /metrics and /federate on ADDR: a bare PORT binds 127.0.0.1, HOST:PORT that host, :PORT or 0.0.0.0:PORT every interface (no authentication: a warning says so); port 0 picks a free one. The address is printed on stdout\'s first line' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s O -l output-file -d 'Write one scrape to FILE for `promtool tsdb create-blocks-from openmetrics`; `-` is stdout' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s o -l output -d 'The format of the -O file' -r -f -a "openmetrics\t'OpenMetrics with target labels, scrape timestamps and the snapshot info family'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand export" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l viz-namespace -d 'The namespace linkerd-viz is installed in (default: detected in the cluster)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l format -d 'What to print' -r -f -a "scrape-config\t'A scrape_configs item finding the viz Prometheus through Kubernetes service discovery'
static\t'The same job with a static target (--target)'
service-monitor\t'A prometheus-operator ServiceMonitor'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l target -d 'With --format static: where your Prometheus reaches the viz Prometheus or `export --serve` (HOST:PORT, or https://HOST:PORT)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand prometheus-config" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l listen -d 'Address the simulated API server listens on (with --serve)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l kubeconfig-out -d 'Where to write the kubeconfig (with --serve; default: a temporary file)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l replicas -d 'Replicas per emojivoto deployment (at least 1)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l namespaces -d 'Extra copies of the emojivoto namespace (emojivoto-1 ... emojivoto-N)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l series -d 'Pad each proxy\'s /metrics to about N series' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l latency -d 'Delay added to every API request and port-forward set-up and close, like a real API server and kubelet' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l fault -d 'Inject a fault into pods matching GLOB: refuse, forbid, nocreate, kubeletdown, notfound, slow=DUR, status=CODE, garbage, huge=MiB, reset, restart, certexpiry=DUR (-DUR: expired), version=V, notls, deny, noendpoints, unmeshed (repeatable), e.g. `--fault slow=3s:web-*`' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l seed -d 'Seed for the simulated names, UIDs and proxy uptimes' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l serve -d 'Keep the simulated mesh running and print a kubeconfig path for trying every command'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand demo" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l install -d 'With `kubectl`: write the helper into DIR, a directory on PATH (e.g. ~/.krew/bin), instead of printing it' -r -f -a "(__fish_complete_directories)"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s l -l selector -d 'Label selector applied to pods, e.g. \'app=web,tier!=db\'' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l concurrency -d 'How many proxies to scrape at once' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l timeout -d 'Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l max-body-size -d 'Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l via -d 'How to reach the proxies\' admin port' -r -f -a "portforward\t'The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward)'
apiserver\t'The API server\'s pods/proxy subresource (needs `get` on pods/proxy)'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l obfuscate -d 'Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes pod, namespace, workload, host and address names, target labels and `# POD` headers' -r -f -a "compat\t'Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip` stays in clear, as there)'
strict\t'Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni, ...), the target labels and `# POD` headers'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l target-labels -d 'Target labels added to every series: `full` (job, instance, namespace, pod, workload and pod labels, as Linkerd\'s Prometheus adds them) or `minimal` (namespace, pod, workload)' -r -f -a "full\t'The labels Linkerd\'s Prometheus gives proxy series'
minimal\t'`namespace`, `pod` and the workload label'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l color -d 'When to colour output; NO_COLOR is honoured and a non-terminal never gets colour' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l as -d 'Username to impersonate for the operation (as kubectl --as)' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l as-group -d 'Group to impersonate for the operation; repeat for more groups' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l as-uid -d 'UID to impersonate for the operation' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l cluster -d 'The kubeconfig cluster to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l user -d 'The kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l certificate-authority -d 'Path to a certificate file for the certificate authority' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l tls-server-name -d 'Server name for certificate validation, when it differs from the server\'s host' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l request-timeout -d 'Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout' -r
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s A -l all-namespaces -d 'Look in every namespace'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s v -l verbose -d 'More logging on stderr (-v, -vv, -vvv)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s q -l quiet -d 'No progress and no warnings on stderr; errors still print'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure: HTTPS connections can be intercepted)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "metrics" -d 'Fetch /metrics from every selected proxy and print it'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "stat" -d 'Success rate, RPS, latency percentiles and TCP connections per workload, like `linkerd viz stat`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "top" -d '`stat` refreshed in place every --interval, busiest first, until q or Ctrl-C'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "check" -d 'A data-plane health report from the proxies\' own metrics, grouped like `linkerd check`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "edges" -d 'Who talks to whom: source and destination workloads, identities, mTLS, RPS and connections'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "authz" -d 'Allowed and denied requests per second per inbound server, route and authorization, like `linkerd viz authz`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "routes" -d 'Success, RPS, latency, timeouts and retries per route and backend, like `linkerd viz stat-outbound`'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "diff" -d 'Compare two metric sets: snapshot files or live targets, or one target over an interval'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "snapshot" -d 'Save one scrape as an OpenMetrics snapshot (a diff, --from-file and promtool input)'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "export" -d 'Push to a Prometheus remote-write receiver, serve a scrape endpoint, or write a backfill file'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "prometheus-config" -d 'Print the Prometheus federation job (or ServiceMonitor) for this cluster\'s linkerd-viz'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "demo" -d 'Start a simulated Linkerd mesh in-process and show what the plugin does with it'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "completion" -d 'Print a shell completion script, or install the helper kubectl uses to complete the plugin'
complete -c kubectl-linkerd_export -n "__fish_kubectl_linkerd_export_using_subcommand help; and not __fish_seen_subcommand_from metrics stat top check edges authz routes diff snapshot export prometheus-config demo completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
