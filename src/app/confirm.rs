//! A confirmation the user is asked for: the question, what will happen, and for production
//! remotes the name to type.

use super::effect::Effect;

/// A yes/no question before a destructive action.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    /// What will happen (a restore preview), shown under the question.
    pub body: Vec<String>,
    /// On production remotes: the name to type before it goes ahead.
    pub typed: Option<String>,
    /// What was typed so far.
    pub input: String,
    /// The job to start when confirmed (it gets its id then).
    pub job: Option<crate::jobs::JobSpec>,
    /// Effects when confirmed.
    pub effects: Vec<Effect>,
    /// Whether the job runs under a maintenance silence of its object (`None`: not offered).
    pub maintenance: Option<bool>,
}

impl Confirm {
    /// A plain yes/no question.
    pub fn new(prompt: String, effects: Vec<Effect>) -> Self {
        Confirm {
            prompt,
            body: vec![],
            typed: None,
            input: String::new(),
            job: None,
            effects,
            maintenance: None,
        }
    }
}

/// The question, with the jobs it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct QuitDialog {
    pub jobs: Vec<crate::jobs::JobId>,
    pub selected: usize,
}

/// What can be done with the running jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuitChoice {
    Wait,
    Cancel,
    Leave,
}

impl QuitChoice {
    pub const ALL: [QuitChoice; 3] = [QuitChoice::Wait, QuitChoice::Cancel, QuitChoice::Leave];

    pub fn label(self) -> &'static str {
        match self {
            QuitChoice::Wait => "wait for them to end, then quit",
            QuitChoice::Cancel => "cancel them, then quit",
            QuitChoice::Leave => {
                "quit now, leave their operations running on the server (local commands stop)"
            }
        }
    }
}
