//! Terminal setup and restore, including on panic.

use std::io::{self, Stdout};

use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Enters raw mode and the alternate screen.
pub fn init() -> io::Result<Term> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, crossterm::cursor::Hide)?;
    let mut t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    t.clear()?;
    Ok(t)
}

/// Takes the terminal back after a child program (a shell) had it.
/// (No cursor-position query here: the input reader of the dropped event stream may still hold
/// crossterm's reader lock.)
pub fn resume(t: &mut Term) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::cursor::Hide,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    // Fresh buffers: the next draw paints everything.
    *t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok(())
}

/// Leaves the alternate screen and raw mode; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}

/// Installs color-eyre's report hooks with a panic hook that restores the terminal first.
pub fn install_hooks() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        eprintln!("{}", panic_hook.panic_report(info));
    }));
    Ok(())
}

/// Puts `text` on the clipboard of the terminal the console runs in (OSC 52: works over SSH;
/// inside tmux with `set -g set-clipboard on`, which also fills tmux's paste buffer).
pub fn copy(t: &mut Term, text: &str) -> io::Result<()> {
    use base64::Engine as _;
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let out = t.backend_mut();
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
}
