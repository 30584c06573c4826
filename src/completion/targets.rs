//! TARGET types (spec §3) as completion candidates: `deploy/`, `sts/`, ...

use crate::resolve::ResourceKind;

/// Every spelling of `kind` a user may type, shortest first: short name, singular, plural, then
/// the group-qualified forms.
fn spellings(kind: ResourceKind) -> Vec<String> {
    let mut names = vec![
        kind.short_name().to_string(),
        kind.singular().to_string(),
        kind.plural().to_string(),
    ];
    if !kind.group().is_empty() {
        names.push(format!("{}.{}", kind.singular(), kind.group()));
        names.push(format!("{}.{}", kind.plural(), kind.group()));
    }
    names
}

/// The `TYPE/` candidates for a partly typed TARGET with no `/` yet, with the kind each names: per
/// kind, the shortest spelling that starts with what was typed (`d` offers `deploy/` and `ds/`;
/// `deploym` offers `deployment/`).
pub(super) fn type_candidates(typed: &str) -> Vec<(String, ResourceKind)> {
    ResourceKind::ALL
        .into_iter()
        .filter_map(|kind| {
            spellings(kind)
                .into_iter()
                .find(|name| name.starts_with(typed))
                .map(|name| (format!("{name}/"), kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_spelling_parses_as_its_kind() {
        for kind in ResourceKind::ALL {
            for name in spellings(kind) {
                assert_eq!(ResourceKind::parse(&name), Some(kind), "{name}");
            }
        }
    }

    #[test]
    fn offers_the_shortest_matching_spelling_per_kind() {
        let names = |typed| {
            type_candidates(typed)
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(""),
            [
                "po/", "deploy/", "sts/", "ds/", "rs/", "rc/", "job/", "cj/", "ns/"
            ]
        );
        assert_eq!(names("d"), ["deploy/", "ds/"]);
        assert_eq!(names("deploym"), ["deployment/"]);
        assert_eq!(names("daemons"), ["daemonset/"]);
        assert_eq!(names("deployments."), ["deployments.apps/"]);
        assert_eq!(names("cron"), ["cronjob/"]);
        assert_eq!(names("x"), Vec::<String>::new());
    }
}
