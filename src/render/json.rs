//! prom2json-shaped JSON output, with the target labels of each sample.
