//! Getting metrics out (spec §6): remote write, the serve endpoint, Prometheus config generation.
