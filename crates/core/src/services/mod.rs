//! Service definitions (one TOML file per service), their cloud-init rendering and checks, and
//! plans against their remotes (the steps are the provider's). Nothing here knows the UI;
//! applying a plan is a job (`JobSpec::Apply`).

pub mod cloudinit;
pub mod definition;
pub mod plan;
pub mod template;

pub use definition::{Definition, Loaded, load_dir, load_file, skeleton};
pub use plan::{Plan, ServicePlan, Status};
