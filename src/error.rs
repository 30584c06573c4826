//! Library error type and its mapping to exit codes (spec §9).
