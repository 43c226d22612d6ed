use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP relay in front of a database server that a test can cut and restore, to play an
/// outage without touching the real server.
///
/// It runs on a thread of its own: the app connects through it from blocking code (start-up
/// migrations), which would deadlock a relay sharing the test's single-threaded runtime.
#[derive(Debug)]
pub struct TcpProxy {
    port: u16,
    state: Arc<Mutex<ProxyState>>,
}

#[derive(Debug, Default)]
struct ProxyState {
    down: bool,
    stopped: bool,
    relays: Vec<JoinHandle<()>>,
}

impl TcpProxy {
    /// Starts relaying `127.0.0.1:<port>` to `upstream`.
    pub fn start(upstream: String) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the proxy");
            runtime.block_on(relay_until_stopped(listener, upstream, shared));
        });
        Self { port, state }
    }

    /// The local port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Severs every open connection and refuses new ones.
    pub fn cut(&self) {
        let mut state = self.lock();
        state.down = true;
        for relay in state.relays.drain(..) {
            relay.abort();
        }
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.lock().down = false;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ProxyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn relay_until_stopped(
    listener: std::net::TcpListener,
    upstream: String,
    state: Arc<Mutex<ProxyState>>,
) {
    let listener = TcpListener::from_std(listener).expect("a tokio listener");
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let accepted =
            tokio::time::timeout(std::time::Duration::from_millis(100), listener.accept()).await;
        if lock().stopped {
            return;
        }
        let Ok(Ok((mut client, _))) = accepted else {
            continue;
        };
        let mut state = lock();
        if state.down {
            continue;
        }
        let upstream = upstream.clone();
        state.relays.push(tokio::spawn(async move {
            if let Ok(mut server) = TcpStream::connect(&upstream).await {
                let _ = copy_bidirectional(&mut client, &mut server).await;
            }
        }));
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.lock().stopped = true;
    }
}
