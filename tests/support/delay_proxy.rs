//! A TCP proxy on loopback that delays every byte by a fixed time in each direction, to measure
//! round trips (scripts/bench-round-trips.sh): with 12.5 ms each way, every sequential round
//! trip costs 25 ms more than without the proxy.
//!
//! Latency only, not bandwidth: each chunk read is written `delay` after it was read, in order.
//! Loopback only (it listens on 127.0.0.1 and forwards only to a loopback address) and bounded
//! in time: [`DelayProxy::start`] takes the longest time it may run, after which the listener
//! and every connection are closed.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy (on its own thread with its own runtime).
pub struct DelayProxy {
    /// `127.0.0.1:<port>` to connect to instead of the upstream.
    pub addr: SocketAddr,
}

impl DelayProxy {
    /// Forwards `127.0.0.1:<new port>` to `upstream` (must be loopback), delaying each direction
    /// by `delay`, for at most `lifetime`.
    pub fn start(upstream: SocketAddr, delay: Duration, lifetime: Duration) -> DelayProxy {
        assert!(
            upstream.ip().is_loopback(),
            "the delay proxy forwards to loopback only, not {upstream}"
        );
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("delay-proxy".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("delay proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("delay proxy: bind");
                    tx.send(listener.local_addr().expect("local addr"))
                        .expect("report address");
                    let serve = async {
                        loop {
                            let Ok((client, _)) = listener.accept().await else {
                                continue;
                            };
                            tokio::spawn(relay(client, upstream, delay));
                        }
                    };
                    // Bounded in time: everything ends with the runtime.
                    let _ = tokio::time::timeout(lifetime, serve).await;
                });
            })
            .expect("spawn delay proxy");
        let addr = rx.recv().expect("delay proxy address");
        DelayProxy { addr }
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, delay: Duration) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::join!(
        pump(client_read, server_write, delay),
        pump(server_read, client_write, delay)
    );
}

/// Reads chunks from `from`, writes each to `to` `delay` after it arrived, in order.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping tx ends the writer once the delayed chunks are out.
    };
    let writer = async move {
        while let Some((read_at, chunk)) = rx.recv().await {
            tokio::time::sleep_until((read_at + delay).into()).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

/// The admin kubeconfig of the shared control plane with its server replaced by a delay proxy
/// (`delay` each way, running for the rest of the test binary, at most 10 minutes). Tests that
/// count request waves use it: a wave's requests leave within a few milliseconds of each
/// other, and with every answer `2 × delay` away a late request of one wave is never mistaken
/// for the next wave.
pub fn delayed_admin_kubeconfig(delay: Duration) -> std::path::PathBuf {
    use super::control_plane as cp;
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let upstream: SocketAddr = cp::server_url()
            .trim_start_matches("https://")
            .parse()
            .expect("server address");
        let proxy = DelayProxy::start(upstream, delay, Duration::from_secs(600));
        let text = std::fs::read_to_string(cp::admin_kubeconfig_path()).expect("read kubeconfig");
        let delayed = text.replace(cp::server_url(), &format!("https://{}", proxy.addr));
        assert_ne!(text, delayed, "the server URL is in the kubeconfig");
        let path = cp::ControlPlane::shared()
            .run_dir()
            .join(format!("delayed-{}.kubeconfig", std::process::id()));
        std::fs::write(&path, delayed).expect("write delayed kubeconfig");
        path
    })
    .clone()
}
