//! Which jobs are confirmed, and how.

use crate::jobs::JobSpec;

/// How a job must be confirmed before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// It runs at once.
    None,
    /// A yes.
    Yes,
    /// On a production remote: the object's name, typed.
    TypeName(String),
}

/// Destructive jobs are confirmed; on production remotes by typing the object's name, and a
/// backup restored over a guest (which replaces it) always so.
pub fn confirmation(spec: &JobSpec, production: bool) -> Confirmation {
    if let JobSpec::RestoreArchive { new_id: None, .. } = spec {
        return Confirmation::TypeName(spec.target().name.clone());
    }
    if !spec.destructive() {
        Confirmation::None
    } else if production {
        Confirmation::TypeName(spec.target().name.clone())
    } else {
        Confirmation::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Target;

    #[test]
    fn destructive_jobs_are_confirmed_and_on_production_by_name() {
        let t = Target::instance("prod", "default", "db01");
        let delete = JobSpec::DeleteSnapshot {
            target: t.clone(),
            name: "s".into(),
        };
        assert_eq!(confirmation(&delete, false), Confirmation::Yes);
        assert_eq!(
            confirmation(&delete, true),
            Confirmation::TypeName("db01".into())
        );
        let snap = JobSpec::Snapshot {
            target: t,
            name: "s".into(),
            expires_at: None,
            stateful: false,
        };
        assert_eq!(confirmation(&snap, true), Confirmation::None);
    }
}
