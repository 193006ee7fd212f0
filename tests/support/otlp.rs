//! A trace collector for the tests: it accepts OTLP over HTTP with JSON bodies
//! (`POST /v1/traces`), as the services send it, and keeps every span it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A span as the collector received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The `service.name` of the resource that sent it.
    pub service: String,
    pub name: String,
    /// OTLP's `SpanKind`: 2 server, 4 producer, 5 consumer.
    pub kind: u64,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
}

/// The collector, listening on a free port of 127.0.0.1 until the test process ends.
pub struct Collector {
    pub endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Collector {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let spans = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&spans);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || serve(stream, &kept));
            }
        });
        Self { endpoint, spans }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }
}

/// Answers the requests of one connection (the exporter keeps it open) until it closes.
fn serve(stream: TcpStream, spans: &Mutex<Vec<Span>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0;
        let mut lines = 0;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            lines += 1;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        if lines == 1 {
            continue;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let status = match serde_json::from_slice(&body) {
            Ok(request) => {
                spans.lock().unwrap().extend(read_spans(&request));
                "200 OK"
            }
            Err(_) => "400 Bad Request",
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// The spans of an `ExportTraceServiceRequest` in OTLP's JSON encoding.
fn read_spans(request: &serde_json::Value) -> Vec<Span> {
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mut spans = Vec::new();
    for resource in request["resourceSpans"].as_array().into_iter().flatten() {
        let service = resource["resource"]["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|attribute| attribute["key"] == "service.name")
            .map(|attribute| text(&attribute["value"]["stringValue"]))
            .unwrap_or_default();
        let scopes = resource["scopeSpans"].as_array().into_iter().flatten();
        for span in scopes.flat_map(|scope| scope["spans"].as_array().into_iter().flatten()) {
            spans.push(Span {
                service: service.clone(),
                name: text(&span["name"]),
                kind: span["kind"].as_u64().unwrap_or_default(),
                trace_id: text(&span["traceId"]),
                span_id: text(&span["spanId"]),
                parent_span_id: text(&span["parentSpanId"]),
            });
        }
    }
    spans
}
