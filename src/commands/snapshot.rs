//! `snapshot`: one scrape saved as the snapshot file (spec §7, [`crate::export::snapshot_file`]),
//! to a path or stdout.

use super::{Context, stream_stdout};
use crate::cli::SnapshotArgs;
use crate::error::{Exit, Result};
use crate::export::save::{self, SaveRequest};

/// Runs `snapshot`.
pub(super) async fn run(ctx: &Context, args: SnapshotArgs) -> Result<Exit> {
    let request = SaveRequest {
        filter: args.filter.filter()?,
        targets: args.source.targets,
        from_file: args.source.from_file,
        live_from: args.read_from.as_ref().into(),
        obfuscation: ctx.global.obfuscation(),
        output: args.output_file,
    };
    save::save(&ctx.source_options(), request, |write| {
        stream_stdout(|out| write(out))
    })
    .await
}
