//! JSON-RPC framing over stdio. lsp-server's own stdio transport stops reading at the first
//! malformed message; an editor's server must not die of one bad frame, so this one answers a
//! parse error and reads on.

use crossbeam_channel::{Receiver, Sender};
use lsp_server::Message;
use std::io::{BufRead, Read, Write};

/// Frames larger than this are skipped, not allocated: no request is this big.
const MAX_FRAME: usize = 64 * 1024 * 1024;

const CONTENT_LENGTH: &str = "content-length:";

/// What the reader hands the message loop.
pub enum Incoming {
    Message(Message),
    /// A frame that is not a JSON-RPC message, with why.
    Malformed(String),
}

/// Where every outgoing message goes; cloneable across threads.
#[derive(Clone)]
pub struct Outbox(Sender<serde_json::Value>);

impl Outbox {
    pub fn send(&self, message: impl Into<Message>) {
        // Messages are plain data that always serialize; a closed channel means we are exiting.
        if let Ok(value) = serde_json::to_value(message.into()) {
            let _ = self.0.send(value);
        }
    }

    /// A JSON-RPC parse error, which answers no request id (`id: null`).
    pub fn parse_error(&self, reason: &str) {
        let _ = self.0.send(serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": reason}}));
    }
}

/// Starts the reader and writer threads over stdin and stdout.
pub fn stdio() -> (Receiver<Incoming>, Outbox) {
    let (in_tx, in_rx) = crossbeam_channel::unbounded();
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<serde_json::Value>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        while let Some(frame) = read_frame(&mut stdin) {
            let incoming = match frame {
                Ok(body) => parse(&body),
                Err(reason) => Incoming::Malformed(reason),
            };
            if in_tx.send(incoming).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let mut stdout = std::io::stdout().lock();
        for value in out_rx {
            let body = value.to_string();
            if write!(stdout, "Content-Length: {}\r\n\r\n{body}", body.len()).and_then(|()| stdout.flush()).is_err() {
                break;
            }
        }
    });
    (in_rx, Outbox(out_tx))
}

fn parse(body: &[u8]) -> Incoming {
    let Ok(text) = std::str::from_utf8(body) else { return Incoming::Malformed("the message is not UTF-8".into()) };
    match serde_json::from_str::<Message>(text) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
    }
}

/// The next frame's body; `Err` for a frame that cannot be read, `None` at the end of input.
fn read_frame(input: &mut impl BufRead) -> Option<Result<Vec<u8>, String>> {
    let mut length = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        if input.by_ref().take(MAX_FRAME as u64).read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        // After a frame whose length was unreadable (`Content-Length: abc`), its body runs into
        // the next frame's header on one line: finding the header anywhere gets back in step.
        if let Some(at) = line.to_ascii_lowercase().rfind(CONTENT_LENGTH) {
            length = line[at + CONTENT_LENGTH.len()..].trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length else { return Some(Err("a frame without a valid Content-Length".into())) };
    if length > MAX_FRAME {
        // Drain the oversized body so the next frame is read from its start.
        std::io::copy(&mut input.take(length as u64), &mut std::io::sink()).ok()?;
        return Some(Err(format!("a {length}-byte message, over the {MAX_FRAME}-byte limit")));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body).ok()?;
    Some(Ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_after_a_malformed_one() {
        let input = b"Content-Length: 3\r\n\r\n{x}Content-Length: 2\r\n\r\n{}";
        let mut reader = &input[..];
        assert!(matches!(read_frame(&mut reader).map(|f| parse(&f.unwrap())), Some(Incoming::Malformed(_))));
        assert_eq!(read_frame(&mut reader), Some(Ok(b"{}".to_vec())));
        assert_eq!(read_frame(&mut reader), None);
    }

    #[test]
    fn the_next_header_is_found_after_an_unreadable_length() {
        let input = b"Content-Length: abc\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}Content-Length: 2\r\n\r\n{}";
        let mut reader = &input[..];
        assert!(matches!(read_frame(&mut reader), Some(Err(_))));
        assert_eq!(read_frame(&mut reader), Some(Ok(b"{}".to_vec())));
    }

    #[test]
    fn non_utf8_bodies_are_malformed() {
        assert!(matches!(parse(b"{\"a\":\"\xff\"}"), Incoming::Malformed(reason) if reason.contains("UTF-8")));
    }
}
