//! The client against stub HTTP servers, for what a real server cannot be made to do on demand:
//! scripted 429s and 5xx, foreign next links, silence, dropped event streams.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use kizuna_sdk::{Client, Error, ErrorKind, Event, IssueRequest, Repository};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the stub sends back: raw bytes written before the connection closes.
type Handler = dyn Fn(usize, &Seen, &str) -> Vec<u8> + Send + Sync;

struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Seen { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn stub(handler: Box<Handler>) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let base = url.clone();
    thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let mut stream = match stream {
                Ok(s) => s,
                Err(_) => return,
            };
            let request = match read_request(&mut stream) {
                Some(r) => r,
                None => continue,
            };
            seen2.lock().unwrap().push(request.clone());
            let reply = handler(n, &request, &base);
            if reply.is_empty() {
                // Silence: hold the connection open without answering.
                thread::sleep(Duration::from_secs(5));
                continue;
            }
            let _ = stream.write_all(&reply);
            let _ = stream.flush();
        }
    });
    Stub { url, seen }
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", status, body.len());
    for (k, v) in headers {
        out.push_str(&format!("{}: {}\r\n", k, v));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

fn json(status: u16, extra: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut headers = vec![("Content-Type", "application/json"), ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "4321"), ("X-RateLimit-Reset", "1900000000"), ("X-RateLimit-Used", "679"), ("X-RateLimit-Resource", "core")];
    headers.extend_from_slice(extra);
    reply(status, &headers, body)
}

fn envelope(code: &str) -> String {
    format!(r#"{{"error": {{"code": "{}", "message": "m", "details": {{}}, "request_id": "rid-1"}}}}"#, code)
}

fn client_with_sleeps(url: &str) -> (Client, Arc<Mutex<Vec<Duration>>>) {
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let s = sleeps.clone();
    let c = Client::builder(url).token("kzp_test").sleeper(move |d| s.lock().unwrap().push(d)).build();
    (c, sleeps)
}

#[test]
fn an_idempotent_call_retries_a_429_after_retry_after() {
    let s = stub(Box::new(|n, _, _| if n == 0 { json(429, &[("Retry-After", "2")], &envelope("RATE_LIMITED")) } else { json(200, &[], r#"{"id": 1, "name": "r"}"#) }));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let repo = c.repos().get("o", "r").unwrap();
    assert_eq!(repo.name, "r");
    assert_eq!(*sleeps.lock().unwrap(), vec![Duration::from_secs(2)]);
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].target, "/api/v1/repos/o/r");
    assert_eq!(seen[1].header("Authorization"), Some("Bearer kzp_test"));
    let rate = c.rate_limit().unwrap();
    assert_eq!((rate.limit, rate.remaining, rate.reset, rate.used), (5000, 4321, 1_900_000_000, Some(679)));
    assert_eq!(rate.resource.as_deref(), Some("core"));
}

#[test]
fn a_post_is_never_retried_and_a_429_is_rate_limited() {
    let s = stub(Box::new(|_, _, _| json(429, &[("Retry-After", "7")], &envelope("RATE_LIMITED"))));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let err = c.issues().create("o", "r", &IssueRequest { title: "Bug report".into(), ..Default::default() }).unwrap_err();
    match &err {
        Error::RateLimited { retry_after, request_id, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
            assert_eq!(request_id.as_deref(), Some("rid-1"));
        }
        other => panic!("expected RateLimited, got {:?}", other),
    }
    assert!(sleeps.lock().unwrap().is_empty());
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, r#"{"title":"Bug report"}"#);
    assert_eq!(seen[0].header("Content-Type"), Some("application/json"));
}

#[test]
fn server_errors_are_retried_with_backoff_then_surface() {
    let s = stub(Box::new(|_, _, _| reply(503, &[("Content-Type", "text/html")], "<html>down for maintenance</html>")));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let err = c.orgs().get("o").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
    assert!(err.message().contains("down for maintenance"), "{}", err);
    assert_eq!(*sleeps.lock().unwrap(), vec![Duration::from_millis(500), Duration::from_millis(1000), Duration::from_millis(2000)]);
    assert_eq!(s.seen.lock().unwrap().len(), 4);
}

#[test]
fn a_retry_after_longer_than_the_limit_is_not_waited_for() {
    let s = stub(Box::new(|_, _, _| json(429, &[("Retry-After", "3600")], &envelope("RATE_LIMITED"))));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let err = c.repos().get("o", "r").unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(sleeps.lock().unwrap().is_empty());
    assert_eq!(s.seen.lock().unwrap().len(), 1);
}

#[test]
fn pages_follow_next_links_on_our_own_host_only() {
    let s = stub(Box::new(|_, seen, _| {
        let query = seen.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let page: u32 = query.split('&').find_map(|kv| kv.strip_prefix("page=")).and_then(|p| p.parse().ok()).unwrap_or(1);
        let body = format!(r#"[{{"id": {0}, "name": "r{0}a"}}, {{"id": {0}, "name": "r{0}b"}}]"#, page);
        // The links name another host: the client must stay on its own base URL.
        let link = match page {
            1 => r#"<http://elsewhere.invalid/api/v1/repos/o?per_page=2&page=2>; rel="next", <http://elsewhere.invalid/api/v1/repos/o?per_page=2&page=3>; rel="last""#.to_string(),
            2 => r#"<http://elsewhere.invalid/api/v1/repos/o?per_page=2&page=3>; rel="next""#.to_string(),
            _ => String::new(),
        };
        let mut headers = vec![("X-Total-Count", "6")];
        if !link.is_empty() {
            headers.push(("Link", link.as_str()));
        }
        json(200, &headers, &body)
    }));
    let (c, _) = client_with_sleeps(&s.url);
    let mut pages = c.repos().list("o").per_page(2);
    let first: Repository = pages.next().unwrap().unwrap();
    assert_eq!(first.name, "r1a");
    assert_eq!(pages.total_count(), Some(6));
    let rest: Vec<Repository> = pages.collect::<Result<_, _>>().unwrap();
    let names: Vec<&str> = rest.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["r1b", "r2a", "r2b", "r3a", "r3b"]);
    let seen = s.seen.lock().unwrap();
    let targets: Vec<&str> = seen.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/api/v1/repos/o?per_page=2", "/api/v1/repos/o?per_page=2&page=2", "/api/v1/repos/o?per_page=2&page=3"]);
}

#[test]
fn a_failing_page_is_yielded_once_and_ends_the_iteration() {
    let s = stub(Box::new(|_, _, _| json(404, &[], &envelope("NOT_FOUND"))));
    let (c, _) = client_with_sleeps(&s.url);
    let mut pages = c.issues().list("o", "missing");
    let err = pages.next().unwrap().unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.request_id(), Some("rid-1"));
    assert!(pages.next().is_none());
}

#[test]
fn a_page_that_is_not_a_list_is_an_invalid_response_once() {
    let s = stub(Box::new(|_, _, _| json(200, &[("X-Total-Count", "1")], r#"{"name": "r"}"#)));
    let (c, _) = client_with_sleeps(&s.url);
    let mut pages = c.repos().list("o");
    let err = pages.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("expected a JSON array") && err.message().contains("got an object"), "{}", err);
    assert_eq!(pages.total_count(), Some(1));
    assert!(pages.next().is_none());
    assert_eq!(s.seen.lock().unwrap().len(), 1);
}

#[test]
fn an_unreachable_server_is_a_connection_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = Client::new(&format!("http://127.0.0.1:{}", port), "");
    let err = c.repos().get("o", "r").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{:?}", err);
    assert_eq!(err.status(), None);
}

#[test]
fn a_silent_server_is_a_timeout() {
    let s = stub(Box::new(|_, _, _| Vec::new()));
    let c = Client::builder(&s.url).timeout(Duration::from_millis(300)).build();
    let err = c.repos().get("o", "r").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{:?}", err);
}

#[test]
fn a_deprecated_operation_is_reported_once() {
    let s = stub(Box::new(|_, _, _| {
        json(200, &[("Deprecation", "@1893456000"), ("Sunset", "Sat, 01 Jan 2028 00:00:00 GMT"), ("Link", r#"<https://kizuna.example.com/changelog>; rel="deprecation""#)], r#"{"id": 1, "login": "o"}"#)
    }));
    let warned = Arc::new(Mutex::new(Vec::new()));
    let w = warned.clone();
    let c = Client::builder(&s.url).on_deprecation(move |d| w.lock().unwrap().push(d.operation.clone())).build();
    c.orgs().get("o").unwrap();
    c.orgs().get("p").unwrap();
    c.repos().get("o", "r").unwrap();
    assert_eq!(*warned.lock().unwrap(), vec!["orgs.get".to_string(), "repos.get".to_string()]);
    let first = &c.deprecations()[0];
    assert_eq!(first.deprecation, "@1893456000");
    assert_eq!(first.sunset.as_deref(), Some("Sat, 01 Jan 2028 00:00:00 GMT"));
    assert_eq!(first.link.as_deref(), Some("https://kizuna.example.com/changelog"));
}

#[test]
fn the_event_stream_reconnects_and_resumes_after_the_last_event() {
    let s = stub(Box::new(|n, seen, _| {
        let frame = |id: u64| format!("id: {0}\nevent: issue.opened\ndata: {{\"id\": {0}, \"type\": \"issue.opened\", \"actor\": {{\"id\": 1, \"login\": \"alice\", \"type\": \"User\"}}, \"payload\": {{}}, \"repository\": null, \"on_behalf_of\": null, \"created_at\": \"2026-11-28T10:00:00Z\"}}\n\n", id);
        let body = match n {
            0 => {
                assert_eq!(seen.header("Last-Event-ID"), Some("1"));
                format!("retry: 10\n\n: keepalive\n\n{}{}", frame(2), frame(3))
            }
            _ => {
                assert_eq!(seen.header("Last-Event-ID"), Some("3"), "the reconnection resumes after the last event");
                frame(4)
            }
        };
        let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n".to_vec();
        out.extend_from_slice(body.as_bytes());
        out
    }));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let events: Vec<Event> = c.events().stream("o", "r", Some(1)).take(3).collect::<Result<_, _>>().unwrap();
    let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 3, 4]);
    assert_eq!(events[0].type_, "issue.opened");
    assert_eq!(events[0].actor.login, "alice");
    assert_eq!(*sleeps.lock().unwrap(), vec![Duration::from_millis(10)]);
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen[0].target, "/api/v1/repos/o/r/events/stream");
    assert_eq!(seen[0].header("Accept"), Some("text/event-stream"));
}

#[test]
fn a_stream_error_that_a_reconnect_cannot_fix_ends_the_stream() {
    let s = stub(Box::new(|_, _, _| json(422, &[], &envelope("VALIDATION_ERROR"))));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let mut stream = c.events().stream("o", "r", None).last_event_id("not-an-id");
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(stream.next().is_none());
    assert!(sleeps.lock().unwrap().is_empty());
    assert_eq!(s.seen.lock().unwrap()[0].header("Last-Event-ID"), Some("not-an-id"));
}

#[test]
fn a_stream_that_cannot_reconnect_gives_up_after_max_reconnects() {
    let s = stub(Box::new(|_, _, _| reply(503, &[("Content-Type", "text/plain")], "busy")));
    let (c, sleeps) = client_with_sleeps(&s.url);
    let mut stream = c.events().user_stream(None).max_reconnects(2);
    let err = stream.next().unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{:?}", err);
    assert!(stream.next().is_none());
    assert_eq!(sleeps.lock().unwrap().len(), 2);
    assert_eq!(s.seen.lock().unwrap()[0].target, "/api/v1/user/events/stream");
}

#[test]
fn the_generic_request_reaches_any_endpoint() {
    let s = stub(Box::new(|_, seen, _| {
        if seen.method == "DELETE" {
            reply(204, &[], "")
        } else {
            json(200, &[], r#"{"login": "alice", "type": "User"}"#)
        }
    }));
    let (c, _) = client_with_sleeps(&s.url);
    let user = c.request("get", "/user", &[("x", "a b")], None).unwrap();
    assert_eq!(user["login"], "alice");
    assert_eq!(c.request("DELETE", "user/tokens/3", &[], None).unwrap(), serde_json::Value::Null);
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen[0].target, "/api/v1/user?x=a+b");
    assert_eq!(seen[1].target, "/api/v1/user/tokens/3");
}
