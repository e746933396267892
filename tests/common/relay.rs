//! A TCP relay for fault tests: put between the console and a remote or source, it passes bytes
//! through until told to freeze (no data, no RST: a stalled VPN or a dead middlebox), slow down,
//! reset every connection, or refuse new ones. It runs on a thread of its own, so sync tests
//! (tmux) and async tests alike can drive it.
#![allow(dead_code)] // each test binary uses part of it

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the relay does with the bytes it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Passes everything through.
    Pass,
    /// Holds every connection open and passes nothing either way.
    Freeze,
    /// Passes each chunk after this delay.
    Slow(Duration),
    /// Closes every connection with a reset, new ones as soon as they are accepted.
    Reset,
    /// Does not accept: connections are refused.
    Refuse,
}

pub struct Relay {
    pub addr: SocketAddr,
    mode: watch::Sender<Mode>,
}

impl Relay {
    /// A relay on a free loopback port to `upstream` (`127.0.0.1:8443`).
    pub fn start(upstream: &str) -> Relay {
        let upstream = upstream.to_string();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let addr = std_listener.local_addr().unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let (mode, rx) = watch::channel(Mode::Pass);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(serve(std_listener, addr, upstream, rx));
        });
        Relay { addr, mode }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // Ends the thread: `serve` returns when every receiver sees the sender gone.
        self.mode.send_replace(Mode::Reset);
    }
}

async fn serve(
    std_listener: std::net::TcpListener,
    addr: SocketAddr,
    upstream: String,
    mut mode: watch::Receiver<Mode>,
) {
    let mut listener = Some(TcpListener::from_std(std_listener).unwrap());
    loop {
        let now = *mode.borrow_and_update();
        match (now, &listener) {
            (Mode::Refuse, Some(_)) => listener = None,
            (Mode::Refuse, None) => {}
            (_, None) => listener = Some(bind(addr).await),
            _ => {}
        }
        let Some(l) = &listener else {
            if mode.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            changed = mode.changed() => if changed.is_err() { return },
            accepted = l.accept() => {
                let Ok((client, _)) = accepted else { continue };
                tokio::spawn(connection(client, upstream.clone(), mode.clone()));
            }
        }
    }
}

/// Binds the relay's port again after a refusal (the port stays the relay's: nothing else binds
/// loopback ports it did not ask for).
async fn bind(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the relay could not bind {addr} again");
}

async fn connection(client: TcpStream, upstream: String, mode: watch::Receiver<Mode>) {
    if *mode.borrow() == Mode::Reset {
        return reset(client);
    }
    // A frozen relay accepts and then says nothing.
    let mut m = mode.clone();
    if m.wait_for(|m| *m != Mode::Freeze).await.is_err() {
        return;
    }
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return reset(client);
    };
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = tokio::spawn(pump(cr, sw, mode.clone()));
    let down = tokio::spawn(pump(sr, cw, mode.clone()));
    let (a, b) = tokio::join!(up, down);
    // A reset: both halves are given back and closed with RST.
    if let (Ok(Some((cr, sw))), Ok(Some((sr, cw)))) = (a, b)
        && let (Ok(client), Ok(server)) = (cr.reunite(cw), sr.reunite(sw))
    {
        reset(client);
        reset(server);
    }
}

fn reset(s: TcpStream) {
    let _ = s.set_zero_linger();
    drop(s);
}

/// Copies one way under the mode; on a reset gives both halves back (to close them with RST).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) -> Option<(
    tokio::net::tcp::OwnedReadHalf,
    tokio::net::tcp::OwnedWriteHalf,
)> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // Nothing is read while frozen: the sender sees its window fill, never an error.
        if mode.wait_for(|m| *m != Mode::Freeze).await.is_err() {
            return None;
        }
        if *mode.borrow() == Mode::Reset {
            return Some((from, to));
        }
        let n = tokio::select! {
            r = from.read(&mut buf) => match r {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return None;
                }
                Ok(n) => n,
            },
            _ = mode.changed() => continue,
        };
        // What was read when the relay froze is held until it thaws.
        if mode.wait_for(|m| *m != Mode::Freeze).await.is_err() {
            return None;
        }
        let now = *mode.borrow();
        match now {
            Mode::Reset => return Some((from, to)),
            Mode::Slow(d) => tokio::time::sleep(d).await,
            _ => {}
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return None;
        }
    }
}
