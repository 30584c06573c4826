//! Command-line interface: clap derive definitions for the global options and every subcommand.
