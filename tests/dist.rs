//! What ships besides the binary: completion scripts and their lookups, the krew manifest, the
//! release workflow, the test script, and the documentation's examples (run as written).

mod support;

mod dist {
    mod bash_completion;
    mod completion_lookup;
    mod completions;
    mod docs_examples;
    mod krew;
    mod kubectl_completion;
    mod release;
    mod test_script;
}
