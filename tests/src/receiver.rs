//! A webhook receiver on 127.0.0.1: records every request and answers with the statuses it is
//! told, one per request, then 200.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// Its body.
    pub body: String,
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    answers: VecDeque<u16>,
}

/// The receiver; it runs until the test process ends.
#[derive(Debug, Clone)]
pub struct Receiver {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Receiver {
    /// Starts a receiver that answers `answers` to the first requests, then 200.
    pub fn start(answers: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(Mutex::new(State {
            received: Vec::new(),
            answers: answers.iter().copied().collect(),
        }));
        let serving = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &serving);
            }
        });
        Self { port, state }
    }

    /// The URL to register.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// What it got so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("receiver state").received.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut headers = HashMap::new();
    let mut line = String::new();
    reader.read_line(&mut line)?;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let status = {
        let mut state = state.lock().expect("receiver state");
        state.received.push(Received {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        state.answers.pop_front().unwrap_or(200)
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} Answer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()
}
