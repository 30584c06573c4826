//! Pure metrics logic: parse, model, select, aggregate, quantile, diff, obfuscate. No I/O.
