//! Configured commands (`[[commands]]`) run as jobs: output streamed line by line (colour
//! codes kept for the console to show), cancel kills the process.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::CommandSpec;
use atlas_core::ops::{CancelRx, Reporter, Stop, cancelled};

/// Runs the command to its end; a non-zero exit fails the job.
pub async fn run_command(
    c: &CommandSpec,
    rep: &Reporter,
    cancel: &mut CancelRx,
) -> Result<String, Stop> {
    let Some((prog, args)) = c.argv.split_first() else {
        return Err(Stop::Failed(format!("command {} is empty", c.name)));
    };
    let mut cmd = tokio::process::Command::new(prog);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group: a signal to the console's terminal (an SSH session that
        // drops) reaches the console, which records the job, not the command behind its back.
        .process_group(0)
        .envs(c.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(d) = &c.workdir {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().map_err(|e| {
        Stop::Failed(format!(
            "cannot run {prog}{}: {e}",
            c.workdir
                .as_ref()
                .map(|d| format!(" in {}", d.display()))
                .unwrap_or_default()
        ))
    })?;
    rep.progress(super::Progress {
        stage: format!("running {}", c.name),
        ..Default::default()
    });
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(Stop::Failed(format!("{}: no output pipes", c.name)));
    };
    let mut out = BufReader::new(stdout).lines();
    let mut err = BufReader::new(stderr).lines();
    let (mut out_open, mut err_open) = (true, true);
    let mut lines = 0u64;
    let status = loop {
        tokio::select! {
            l = out.next_line(), if out_open => match l {
                Ok(Some(l)) => { lines += 1; rep.log(l) }
                _ => out_open = false,
            },
            l = err.next_line(), if err_open => match l {
                Ok(Some(l)) => { lines += 1; rep.log(l) }
                _ => err_open = false,
            },
            s = child.wait(), if !out_open && !err_open => break s,
            _ = cancelled(cancel) => {
                let _ = child.kill().await;
                return Err(Stop::Cancelled(format!("{} killed", c.name)));
            }
        }
    };
    match status {
        Ok(s) if s.success() => Ok(format!("{} finished ({lines} lines of output)", c.name)),
        Ok(s) => Err(Stop::Failed(match s.code() {
            Some(code) => format!("{} exited with {code}", c.name),
            None => format!("{} was killed by a signal", c.name),
        })),
        Err(e) => Err(Stop::Failed(format!("{}: {e}", c.name))),
    }
}
