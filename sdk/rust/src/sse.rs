//! Server-Sent Events (docs/api.md §13) as an iterator that reconnects and resumes with `Last-Event-ID`.

use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{self, Error};
use crate::models::Event;

/// Statuses a reconnect cannot fix: the stream yields the error and ends.
const FATAL: [u16; 7] = [400, 401, 403, 404, 405, 410, 422];
const DEFAULT_RETRY: Duration = Duration::from_secs(3);
const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// One SSE frame: the fields the WHATWG event-stream format defines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<String>,
    pub retry: Option<u64>,
}

/// Reads frames from an event stream; `Ok(None)` at its end.
pub(crate) struct FrameReader<R> {
    reader: R,
    line: Vec<u8>,
}

impl<R: BufRead> FrameReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        FrameReader { reader, line: Vec::new() }
    }

    pub(crate) fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        let mut frame = Frame::default();
        let mut data: Vec<String> = Vec::new();
        let mut any = false;
        loop {
            self.line.clear();
            let n = (&mut self.reader).take(MAX_LINE_BYTES).read_until(b'\n', &mut self.line)?;
            if n == 0 {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&self.line);
            let line = text.trim_end_matches(|c| c == '\n' || c == '\r');
            if line.is_empty() {
                if any {
                    if !data.is_empty() {
                        frame.data = Some(data.join("\n"));
                    }
                    return Ok(Some(frame));
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line, ""),
            };
            match field {
                "data" => {
                    data.push(value.to_string());
                    any = true;
                }
                "id" if !value.contains('\0') => {
                    frame.id = Some(value.to_string());
                    any = true;
                }
                "event" => frame.event = Some(value.to_string()),
                "retry" => {
                    if let Ok(ms) = value.parse() {
                        frame.retry = Some(ms);
                        any = true;
                    }
                }
                _ => {}
            }
        }
    }
}

enum Connect {
    Fatal(Error),
    Retry(Duration),
}

/// The events of a stream, one `Result` at a time, for ever: on a dropped connection (or a read
/// timeout: the server sends a keepalive every 15 s) it waits the server's `retry:` and reconnects
/// with `Last-Event-ID`, so nothing is missed and nothing repeated. Errors a reconnect cannot fix
/// (401, 403, 404, 422, …) are yielded once and end the stream. Dropping it closes the connection.
pub struct EventStream {
    client: Client,
    path: String,
    last_id: Option<String>,
    retry: Duration,
    read_timeout: Duration,
    max_reconnects: Option<u32>,
    reconnects: u32,
    wait: Option<Duration>,
    frames: Option<FrameReader<BufReader<Box<dyn Read + Send + Sync>>>>,
    agent: Option<ureq::Agent>,
    done: bool,
}

impl EventStream {
    pub(crate) fn new(client: Client, path: String, last_id: Option<String>) -> EventStream {
        EventStream {
            client,
            path,
            last_id,
            retry: DEFAULT_RETRY,
            read_timeout: Duration::from_secs(45),
            max_reconnects: None,
            reconnects: 0,
            wait: None,
            frames: None,
            agent: None,
            done: false,
        }
    }

    /// Resume after this event id (sent as `Last-Event-ID` on the first connection).
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_id = Some(id.into());
        self
    }

    /// How long a silent connection is kept before reconnecting (default 45 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Give up (yield a `Connection` error and end) after this many reconnections in a row that
    /// brought no connection (default: never).
    pub fn max_reconnects(mut self, n: u32) -> Self {
        self.max_reconnects = Some(n);
        self
    }

    /// The id of the last event seen: where a reconnection resumes.
    pub fn current_last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    fn connect(&mut self) -> Result<FrameReader<BufReader<Box<dyn Read + Send + Sync>>>, Connect> {
        self.client.check_config().map_err(Connect::Fatal)?;
        let inner = &self.client.inner;
        let read_timeout = self.read_timeout;
        let agent = self
            .agent
            .get_or_insert_with(|| ureq::AgentBuilder::new().timeout_connect(inner.connect_timeout).timeout_read(read_timeout).redirects(0).build())
            .clone();
        let url = self.client.full_url(&self.path);
        let mut request = self.client.apply_headers(agent.get(&url)).set("Accept", "text/event-stream").set("Cache-Control", "no-cache");
        if let Some(id) = &self.last_id {
            request = request.set("Last-Event-ID", id);
        }
        let op = "events.stream";
        match request.call() {
            Ok(response) => {
                self.client.note_response(op, &response);
                let ct = response.content_type().to_ascii_lowercase();
                if ct != "text/event-stream" {
                    return Err(Connect::Fatal(Error::InvalidResponse {
                        status: response.status(),
                        message: format!("expected text/event-stream from GET {}, got {}", url, if ct.is_empty() { "nothing" } else { &ct }),
                    }));
                }
                Ok(FrameReader::new(BufReader::new(response.into_reader())))
            }
            Err(ureq::Error::Status(status, response)) => {
                self.client.note_response(op, &response);
                let ct = response.content_type().to_string();
                let rid = response.header("X-Request-Id").map(str::to_string);
                let retry_after = response.header("Retry-After").map(str::to_string);
                let mut body = Vec::new();
                let _ = response.into_reader().take(64 * 1024).read_to_end(&mut body);
                let err = error::from_response(status, &ct, &String::from_utf8_lossy(&body), rid, retry_after.as_deref(), &format!("GET {}", url));
                if FATAL.contains(&status) {
                    return Err(Connect::Fatal(err));
                }
                match error::parse_retry_after(retry_after.as_deref()) {
                    Some(after) if after > inner.max_retry_wait => Err(Connect::Fatal(err)),
                    Some(after) => Err(Connect::Retry(after)),
                    None => Err(Connect::Retry(self.retry)),
                }
            }
            Err(ureq::Error::Transport(_)) => Err(Connect::Retry(self.retry)),
        }
    }

    fn event_from(&mut self, frame: Frame) -> Option<Result<Event, Error>> {
        if let Some(id) = &frame.id {
            self.last_id = Some(id.clone());
        }
        let data = frame.data?;
        let mut object = match serde_json::from_str::<Value>(&data) {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                let mut m = Map::new();
                m.insert("data".into(), other);
                m
            }
            Err(_) => {
                let mut m = Map::new();
                m.insert("data".into(), Value::String(data));
                m
            }
        };
        if let Some(id) = &frame.id {
            if !object.contains_key("id") {
                let value = id.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(id.clone()));
                object.insert("id".into(), value);
            }
        }
        if let Some(event) = frame.event {
            object.entry("type").or_insert(Value::String(event));
        }
        Some(serde_json::from_value(Value::Object(object)).map_err(|e| Error::InvalidResponse { status: 200, message: format!("unexpected event JSON: {}", e) }))
    }

    fn lost(&mut self, wait: Duration) -> Option<Error> {
        self.frames = None;
        self.reconnects += 1;
        if let Some(max) = self.max_reconnects {
            if self.reconnects > max {
                self.done = true;
                return Some(Error::Connection {
                    message: format!("event stream {} lost and not re-established after {} reconnects", self.path, max),
                });
            }
        }
        self.wait = Some(wait);
        None
    }
}

impl Iterator for EventStream {
    type Item = Result<Event, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if self.frames.is_none() {
                if let Some(wait) = self.wait.take() {
                    (self.client.inner.sleep)(wait);
                }
                match self.connect() {
                    Ok(frames) => {
                        self.frames = Some(frames);
                        self.reconnects = 0;
                    }
                    Err(Connect::Fatal(e)) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                    Err(Connect::Retry(wait)) => {
                        if let Some(e) = self.lost(wait) {
                            return Some(Err(e));
                        }
                        continue;
                    }
                }
            }
            let next = self.frames.as_mut().map(|f| f.next_frame());
            match next {
                Some(Ok(Some(frame))) => {
                    if let Some(ms) = frame.retry {
                        self.retry = Duration::from_millis(ms).min(self.client.inner.max_retry_wait);
                    }
                    if let Some(event) = self.event_from(frame) {
                        return Some(event);
                    }
                }
                _ => {
                    // The server closed the stream, or the connection dropped or went silent.
                    let wait = self.retry;
                    if let Some(e) = self.lost(wait) {
                        return Some(Err(e));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str) -> Vec<Frame> {
        let mut reader = FrameReader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(f) = reader.next_frame().unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn frames_follow_the_event_stream_format() {
        let got = frames("retry: 3000\n\n: keepalive\n\nid: 5\nevent: issue.opened\ndata: {\"a\":\ndata: 1}\n\nid: 6\r\ndata:x\r\n\r\nevent: lonely\n\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].retry, Some(3000));
        assert_eq!(got[1].id.as_deref(), Some("5"));
        assert_eq!(got[1].event.as_deref(), Some("issue.opened"));
        assert_eq!(got[1].data.as_deref(), Some("{\"a\":\n1}"));
        assert_eq!(got[2].id.as_deref(), Some("6"));
        assert_eq!(got[2].data.as_deref(), Some("x"));
    }

    #[test]
    fn an_unterminated_frame_is_not_yielded() {
        assert!(frames("id: 1\ndata: {}").is_empty());
    }
}
