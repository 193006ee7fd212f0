//! The AsyncAPI 3.0 document of a service with events (`asyncapi.yaml`): the broker it talks
//! to, the channels its events travel on (with the dead-letter destinations of its consumers),
//! what it sends and receives there, and every event as the CloudEvents envelope it travels in.
//! Built as data and written as YAML, like `openapi.yaml`, and with the same payload schemas.

use serde_json::{json, Map, Value};

use super::openapi::object_schema;
use crate::ir::{Event, Service};
use crate::spec::Broker;

/// How every event travels: one CloudEvents 1.0 envelope, JSON event format.
const CONTENT_TYPE: &str = "application/cloudevents+json";

/// A W3C Trace Context `traceparent`, version `00`.
const TRACEPARENT: &str = "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$";

/// The topic exchange every service publishes to on RabbitMQ.
const EXCHANGE: &str = "events";

/// `asyncapi.yaml`, or `None` for a service without events.
pub fn document(s: &Service) -> Option<String> {
    let doc = build(s)?;
    Some(super::yaml::to_string(&doc))
}

fn build(s: &Service) -> Option<Value> {
    if !s.events.any() {
        return None;
    }
    let mut doc = Document::new(s);
    for e in &s.events.publish {
        doc.event(e, Side::Published);
    }
    for e in &s.events.consume {
        doc.event(e, Side::Consumed);
    }
    doc.subject_channels();
    doc.queue_channels();
    doc.dead_letter_channels();
    for e in &s.events.publish {
        doc.send(e);
    }
    for e in &s.events.consume {
        doc.receive(e);
    }
    for e in &s.events.consume {
        doc.dead_letter(e);
    }
    let mut value = json!({
        "asyncapi": "3.0.0",
        "info": info(s),
        "defaultContentType": CONTENT_TYPE,
    });
    if let Some((name, server)) = server(s) {
        value["servers"] = json!({ name: server });
    }
    value["channels"] = Value::Object(doc.channels);
    value["operations"] = Value::Object(doc.operations);
    value["components"] = json!({
        "messages": doc.messages,
        "schemas": doc.schemas,
    });
    Some(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Published,
    Consumed,
}

/// What a channel is, so that two channels of different kinds never merge even where their
/// addresses are the same text (a RabbitMQ queue and a routing key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The subject: NATS subject, AMQP routing key, Kafka topic.
    Subject,
    /// A consumer's RabbitMQ queue.
    Queue,
    DeadLetter,
}

struct Document<'a> {
    s: &'a Service,
    channels: Map<String, Value>,
    /// `(kind, address)` of every channel, with its id.
    ids: Vec<(Kind, String, String)>,
    operations: Map<String, Value>,
    messages: Map<String, Value>,
    schemas: Map<String, Value>,
}

impl<'a> Document<'a> {
    fn new(s: &'a Service) -> Self {
        Self {
            s,
            channels: Map::new(),
            ids: Vec::new(),
            operations: Map::new(),
            messages: Map::new(),
            schemas: Map::new(),
        }
    }

    fn broker(&self) -> Broker {
        self.s.broker
    }

    /// The message of an event and the schema of its payload.
    fn event(&mut self, e: &Event, side: Side) {
        self.schemas.insert(
            e.name.clone(),
            object_schema(&e.fields, false, e.description.as_deref()),
        );
        let source = match side {
            Side::Published => Some(format!("/{}", self.s.name)),
            Side::Consumed => e.from.as_ref().map(|from| format!("/{from}")),
        };
        let summary = match (side, &e.from) {
            (Side::Published, _) => format!("`{}`, published by {}.", e.name, self.s.name),
            (Side::Consumed, Some(from)) => format!("`{}`, published by {from}.", e.name),
            (Side::Consumed, None) => format!("`{}`, consumed by {}.", e.name, self.s.name),
        };
        let mut message = json!({
            "name": e.name,
            "title": e.name,
            "summary": summary,
        });
        if let Some(description) = &e.description {
            message["description"] = json!(description);
        }
        message["contentType"] = json!(CONTENT_TYPE);
        message["payload"] = envelope(e, source.as_deref());
        if side == Side::Published && self.s.auth.is_some() {
            let properties = &mut message["payload"]["properties"];
            properties["authtype"] = json!({
                "type": "string",
                "enum": ["service_account", "app_user"],
                "description": "Present when a caller caused the event (CloudEvents authcontext extension): `service_account` for a client acting for itself (its token's `client_id` is its `sub`), `app_user` for a user.",
            });
            properties["authid"] = json!({
                "type": "string",
                "description": "The subject of the caller's token, with `authtype`.",
            });
        }
        if self.broker() == Broker::Kafka && side == Side::Published {
            let key = match ordering_field(e) {
                Some(field) => format!("The event's `{field}`: events with the same `{field}` are in one partition, in the order they were written."),
                None => format!("`{}`: every event of this type is in one partition, in the order they were written.", e.name),
            };
            message["bindings"] = json!({
                "kafka": {
                    "key": { "type": "string", "description": key },
                    "bindingVersion": "0.5.0",
                },
            });
        }
        self.messages.insert(e.name.clone(), message);
    }

    /// The channel of `kind` at `address`, made by `make` the first time.
    fn channel(&mut self, kind: Kind, address: &str, make: impl FnOnce() -> Value) -> String {
        if let Some((_, _, id)) = self.ids.iter().find(|(k, a, _)| *k == kind && a == address) {
            return id.clone();
        }
        let mut id = address.to_string();
        let mut n = 1;
        while self.channels.contains_key(&id) {
            n += 1;
            id = format!("{address}-{n}");
        }
        let mut channel = make();
        channel["messages"] = json!({});
        self.channels.insert(id.clone(), channel);
        self.ids.push((kind, address.to_string(), id.clone()));
        id
    }

    fn add_message(&mut self, channel: &str, event: &str) {
        self.channels[channel]["messages"][event] =
            json!({ "$ref": format!("#/components/messages/{event}") });
    }

    fn id(&self, kind: Kind, address: &str) -> String {
        self.ids
            .iter()
            .find(|(k, a, _)| *k == kind && a == address)
            .map(|(_, _, id)| id.clone())
            .expect("the channel was added")
    }

    /// One channel per subject, for the events published and consumed on it.
    fn subject_channels(&mut self) {
        let s = self.s;
        for e in s.events.publish.iter().chain(&s.events.consume) {
            let broker = self.broker();
            let id = self.channel(Kind::Subject, &e.subject, || {
                subject_channel(broker, &e.subject)
            });
            self.add_message(&id, &e.name);
        }
    }

    /// RabbitMQ: the durable queue of each consumed subject, which the service reads.
    fn queue_channels(&mut self) {
        if self.broker() != Broker::Rabbitmq {
            return;
        }
        let s = self.s;
        for e in &s.events.consume {
            let queue = format!("{}.{}", s.name, e.subject);
            let id = self.channel(Kind::Queue, &queue, || {
                json!({
                    "address": queue,
                    "description": format!(
                        "The durable queue `{queue}`, bound to the exchange `{EXCHANGE}` with the routing key `{}`. Every replica of {} consumes from it, so they share the work. {}",
                        e.subject, s.name, prefix_note("queue name and the routing key", &queue),
                    ),
                    "bindings": {
                        "amqp": {
                            "is": "queue",
                            "queue": { "name": queue, "durable": true, "exclusive": false, "autoDelete": false },
                            "bindingVersion": "0.3.0",
                        },
                    },
                })
            });
            self.add_message(&id, &e.name);
        }
    }

    /// Where consumed events that cannot be handled go, on brokers that have such a place.
    fn dead_letter_channels(&mut self) {
        let s = self.s;
        for e in &s.events.consume {
            let Some(address) = dead_letter_address(s, e) else {
                return;
            };
            let broker = self.broker();
            let id = self.channel(Kind::DeadLetter, &address, || {
                dead_letter_channel(s, broker, &address)
            });
            self.add_message(&id, &e.name);
        }
    }

    fn send(&mut self, e: &Event) {
        let s = self.s;
        let channel = self.id(Kind::Subject, &e.subject);
        let emitted: Vec<String> = s
            .resources
            .iter()
            .flat_map(|r| &r.operations)
            .filter(|op| op.emits.contains(&e.name))
            .map(|op| format!("`{}`", op.name))
            .collect();
        let by = if emitted.is_empty() {
            String::new()
        } else {
            format!(" from {}", emitted.join(", "))
        };
        let order = match ordering_field(e) {
            Some(field) => {
                format!("Events with the same `{field}` are sent in the order they were written.")
            }
            None => "Events of this type are sent in the order they were written.".to_string(),
        };
        let relay = match self.broker() {
            Broker::None => "The relay then hands it to this service's own consumer of the subject, if it has one: nothing leaves the process.",
            Broker::Nats => "The relay then publishes it to JetStream with the event `id` as `Nats-Msg-Id`, so that JetStream stores a repeated send once, and marks it sent only after JetStream acknowledged it.",
            Broker::Rabbitmq => "The relay then publishes it as a persistent message with the event `id` as `message_id`, and marks it sent only after the publisher confirm.",
            Broker::Kafka => "The relay then produces it keyed by its ordering key, with the event `id` in the `ce_id` header, and marks it sent only after the delivery report.",
        };
        let description = format!(
            "{} publishes `{}`{by}. The event is written to the `outbox` table in the transaction of the change it announces, so it is sent if and only if that change commits. {relay} {order} Delivery is at least once: a send whose confirmation was lost is repeated, and consumers recognise the event by its `id`.",
            s.name, e.name,
        );
        let mut op = operation("send", &channel, &e.name, &description);
        if self.broker() == Broker::Rabbitmq {
            op["bindings"] = json!({ "amqp": { "deliveryMode": 2, "bindingVersion": "0.3.0" } });
        }
        self.operations.insert(format!("send{}", e.name), op);
    }

    fn receive(&mut self, e: &Event) {
        let s = self.s;
        let broker = self.broker();
        let channel = match broker {
            Broker::Rabbitmq => self.id(Kind::Queue, &format!("{}.{}", s.name, e.subject)),
            _ => self.id(Kind::Subject, &e.subject),
        };
        let from = match &e.from {
            Some(from) => format!(" from {from}"),
            None => String::new(),
        };
        let how = match broker {
            Broker::None => "Without a broker it arrives only from this service's own relay, in process.",
            Broker::Nats => "The service reads it through a durable JetStream pull consumer named after it, which its replicas share.",
            Broker::Rabbitmq => "The service reads it from its durable queue, which its replicas share.",
            Broker::Kafka => "The service reads it in the consumer group named after it, whose members (its replicas) share the partitions; an offset is committed only after its event was handled.",
        };
        let dead = match broker {
            Broker::None => "is logged, with its envelope and the reason",
            _ => "goes to the dead-letter destination",
        };
        let description = format!(
            "{} consumes `{}`{from}. {how} Each event is handled by the `{}` method of `Handlers` in `src/events/handlers.rs`, the team's code, inside the transaction that records the event `id` in the `inbox` table; the delivery is acknowledged only after that transaction committed. Delivery is at least once, with duplicate suppression by `id`: an event whose `id` was handled before is acknowledged and skipped. A handler that fails is tried again a few times (`MAX_ATTEMPTS` in `src/events/consumer.rs`); an event that still fails, or that cannot be read as an envelope of `{}`, {dead}.",
            s.name, e.name, e.handler, e.name,
        );
        let mut op = operation("receive", &channel, &e.name, &description);
        match broker {
            Broker::Rabbitmq => {
                op["bindings"] = json!({ "amqp": { "ack": true, "bindingVersion": "0.3.0" } });
            }
            Broker::Kafka => {
                op["bindings"] = json!({
                    "kafka": {
                        "groupId": { "type": "string", "enum": [s.name] },
                        "bindingVersion": "0.5.0",
                    },
                });
            }
            Broker::None | Broker::Nats => {}
        }
        self.operations.insert(format!("receive{}", e.name), op);
    }

    fn dead_letter(&mut self, e: &Event) {
        let s = self.s;
        let Some(address) = dead_letter_address(s, e) else {
            return;
        };
        let channel = self.id(Kind::DeadLetter, &address);
        let description = format!(
            "{} moves each `{}` event that it cannot handle here, unchanged, with the reason in a header, and then acknowledges the original delivery so that the events behind it go on.",
            s.name, e.name,
        );
        let mut op = operation("send", &channel, &e.name, &description);
        if self.broker() == Broker::Rabbitmq {
            op["bindings"] = json!({ "amqp": { "deliveryMode": 2, "bindingVersion": "0.3.0" } });
        }
        self.operations.insert(format!("deadLetter{}", e.name), op);
    }
}

fn operation(action: &str, channel: &str, event: &str, description: &str) -> Value {
    let pointer = channel.replace('~', "~0").replace('/', "~1");
    json!({
        "action": action,
        "channel": { "$ref": format!("#/channels/{pointer}") },
        "description": description,
        "messages": [{ "$ref": format!("#/channels/{pointer}/messages/{event}") }],
    })
}

fn info(s: &Service) -> Value {
    let mut description = String::new();
    if !s.description.is_empty() {
        description.push_str(s.description.trim());
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "The events of {}. Every event travels as a CloudEvents 1.0 envelope in the JSON event format (`{CONTENT_TYPE}`): its `data` is the event's payload, and its `traceparent` the W3C trace context of its publication, within the trace of the request that caused it. Published events go through an outbox, so an event is sent if and only if the change it announces was committed; delivery is at least once, and consumers drop duplicates by event `id`.",
        s.name
    ));
    let broker = match s.broker {
        Broker::None => "No broker (`broker: none`): events are delivered in process. The relay hands each published event to this service's own consumer of its subject, if it has one; nothing is sent to other services or received from them, and there is no dead-letter destination. Set `broker:` in `msgen.yaml` for the same channels and operations to reach other services.".to_string(),
        _ => "The addresses below are as in `msgen.yaml`: at run time the `EVENTS_PREFIX` environment variable (empty by default) is prepended to each subject, queue and topic, so that several deployments can share one broker.".to_string(),
    };
    description.push_str("\n\n");
    description.push_str(&broker);
    json!({
        "title": s.name,
        "version": s.version,
        "description": description,
    })
}

/// The broker of the spec as the service reaches it by default.
fn server(s: &Service) -> Option<(&'static str, Value)> {
    let (name, host, protocol, description) = match s.broker {
        Broker::None => return None,
        Broker::Nats => (
            "nats",
            "127.0.0.1:4222",
            "nats",
            "NATS with JetStream. The service connects to `NATS_URL`, by default `nats://127.0.0.1:4222`.",
        ),
        Broker::Rabbitmq => (
            "rabbitmq",
            "127.0.0.1:5672",
            "amqp",
            "RabbitMQ. The service connects to `AMQP_URL`, by default `amqp://guest:guest@127.0.0.1:5672/%2f`.",
        ),
        Broker::Kafka => (
            "kafka",
            "127.0.0.1:9092",
            "kafka",
            "Kafka. The service connects to the bootstrap servers in `KAFKA_BROKERS`, by default `127.0.0.1:9092`.",
        ),
    };
    let mut server = json!({ "host": host, "protocol": protocol });
    if s.broker == Broker::Rabbitmq {
        server["protocolVersion"] = json!("0-9-1");
    }
    server["description"] = json!(description);
    Some((name, server))
}

fn prefix_note(what: &str, address: &str) -> String {
    format!("`EVENTS_PREFIX` is prepended to the {what} at run time: with `EVENTS_PREFIX=staging.`, `{address}` becomes `staging.{address}`.")
}

fn subject_channel(broker: Broker, subject: &str) -> Value {
    let description = match broker {
        Broker::None => {
            "The subject of these events. Without a broker they are delivered in process only."
                .to_string()
        }
        Broker::Nats => format!(
            "The NATS subject, stored by JetStream in a stream of its own. {}",
            prefix_note("subject", subject)
        ),
        Broker::Rabbitmq => format!(
            "The routing key on the durable topic exchange `{EXCHANGE}`. {}",
            prefix_note("routing key", subject)
        ),
        Broker::Kafka => format!("The Kafka topic. {}", prefix_note("topic", subject)),
    };
    let mut channel = json!({
        "address": subject,
        "description": description,
    });
    if broker == Broker::Rabbitmq {
        channel["bindings"] = json!({
            "amqp": {
                "is": "routingKey",
                "exchange": { "name": EXCHANGE, "type": "topic", "durable": true, "autoDelete": false },
                "bindingVersion": "0.3.0",
            },
        });
    }
    channel
}

/// Where `e` goes when it cannot be handled, before `EVENTS_PREFIX`; `None` without a broker.
fn dead_letter_address(s: &Service, e: &Event) -> Option<String> {
    match s.broker {
        Broker::None => None,
        Broker::Nats | Broker::Kafka => Some(format!("dead-letter.{}.{}", s.name, e.subject)),
        Broker::Rabbitmq => Some(format!("{}.dead-letter", s.name)),
    }
}

fn dead_letter_channel(s: &Service, broker: Broker, address: &str) -> Value {
    let body = "Each message is the body as it was received, unchanged (so it may not match the schema when it could not be read)";
    let description = match broker {
        Broker::Nats => format!(
                "Where {} moves the events of one subject that it cannot handle. {body}, with the reason in the `Dead-Letter-Reason` header. Stored by JetStream in a stream of its own. {}",
                s.name,
                prefix_note("subject", address)
            ),
        Broker::Kafka => format!(
                "Where {} moves the events of one topic that it cannot handle. {body}, with the key it had and the reason in the `dead-letter-reason` header. {}",
                s.name,
                prefix_note("topic", address)
            ),
        Broker::Rabbitmq => format!(
                "The durable queue where {} moves every consumed event that it cannot handle, sent through the default exchange. {body}, with the reason in the `x-dead-letter-reason` header and the subject in `x-original-routing-key`. {}",
                s.name,
                prefix_note("queue name", address)
            ),
        Broker::None => unreachable!("no dead-letter destination without a broker"),
    };
    let mut channel = json!({
        "address": address,
        "description": description,
    });
    if broker == Broker::Rabbitmq {
        channel["bindings"] = json!({
            "amqp": {
                "is": "queue",
                "queue": { "name": address, "durable": true, "exclusive": false, "autoDelete": false },
                "bindingVersion": "0.3.0",
            },
        });
    }
    channel
}

/// The wire name of the payload field whose value orders the events, if any.
fn ordering_field(e: &Event) -> Option<&str> {
    let key = e.key.as_deref()?;
    e.fields
        .iter()
        .find(|f| f.ident == key)
        .map(|f| f.name.as_str())
}

/// The CloudEvents 1.0 envelope of `e`, its payload under `data`.
fn envelope(e: &Event, source: Option<&str>) -> Value {
    let mut source_schema = json!({
        "type": "string",
        "description": "The service that published the event.",
    });
    if let Some(source) = source {
        source_schema["const"] = json!(source);
    }
    json!({
        "type": "object",
        "description": format!("A CloudEvents 1.0 envelope whose `data` is the `{}` payload.", e.name),
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
        "properties": {
            "specversion": { "type": "string", "const": "1.0" },
            "id": {
                "type": "string",
                "description": "Unique per event: a consumer handles each id once, and acknowledges a second delivery without handling it.",
            },
            "source": source_schema,
            "type": { "type": "string", "const": e.name },
            "time": {
                "type": "string",
                "format": "date-time",
                "description": "When the event was written, in the transaction of the change it announces.",
            },
            "datacontenttype": { "type": "string", "const": "application/json" },
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT,
                "description": "The W3C trace context of the event's publication, a span in the trace of the request that caused it (CloudEvents distributed tracing extension). A consumer's span for the event continues this trace.",
            },
            "data": { "$ref": format!("#/components/schemas/{}", e.name) },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::lower;
    use crate::spec::{check, Source};

    const PAYMENT: &str = include_str!("../../examples/payment-service.yaml");

    fn service(text: &str) -> Service {
        let valid = check(&Source::new("msgen.yaml", text)).expect("a valid spec");
        lower(&valid)
    }

    /// The payment example (publishes `PaymentSucceeded`, consumes `OrderCancelled`) on
    /// `broker`, as the YAML document reads back.
    fn payment(broker: &str) -> Value {
        let text = PAYMENT.replace("\nbroker: none\n", &format!("\nbroker: {broker}\n"));
        let yaml = document(&service(&text)).expect("a service with events has a document");
        serde_yaml::from_str(&yaml).expect("the document is YAML")
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    /// Every `$ref` in `value`, as written.
    fn refs<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(target)) => found.push(target),
                        _ => refs(v, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn payment_on_nats_sends_receives_and_dead_letters() {
        let doc = payment("nats");
        assert_eq!(doc["asyncapi"], "3.0.0");
        assert_eq!(doc["defaultContentType"], "application/cloudevents+json");
        assert_eq!(doc["info"]["title"], "payment-service");
        assert_eq!(doc["info"]["version"], "0.1.0");
        let info = doc["info"]["description"].as_str().unwrap();
        assert!(info.starts_with("Takes payments for orders"), "{info}");
        assert!(info.contains("EVENTS_PREFIX"), "{info}");
        assert_eq!(
            doc["servers"],
            json!({ "nats": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "NATS with JetStream. The service connects to `NATS_URL`, by default `nats://127.0.0.1:4222`.",
            } })
        );
        assert_eq!(
            keys(&doc["channels"]),
            [
                "payments.payment_succeeded",
                "orders.order_cancelled",
                "dead-letter.payment-service.orders.order_cancelled"
            ]
        );
        let channel = &doc["channels"]["payments.payment_succeeded"];
        assert_eq!(channel["address"], "payments.payment_succeeded");
        assert!(channel["description"]
            .as_str()
            .unwrap()
            .contains("`EVENTS_PREFIX` is prepended"));
        assert_eq!(
            channel["messages"],
            json!({ "PaymentSucceeded": { "$ref": "#/components/messages/PaymentSucceeded" } })
        );
        assert_eq!(
            keys(&doc["operations"]),
            [
                "sendPaymentSucceeded",
                "receiveOrderCancelled",
                "deadLetterOrderCancelled"
            ]
        );
        let send = &doc["operations"]["sendPaymentSucceeded"];
        assert_eq!(send["action"], "send");
        assert_eq!(
            send["channel"]["$ref"],
            "#/channels/payments.payment_succeeded"
        );
        assert_eq!(
            send["messages"],
            json!([{ "$ref": "#/channels/payments.payment_succeeded/messages/PaymentSucceeded" }])
        );
        let text = send["description"].as_str().unwrap();
        assert!(text.contains("from `capture_payment`"), "{text}");
        assert!(text.contains("same `payment_id`"), "{text}");
        let receive = &doc["operations"]["receiveOrderCancelled"];
        assert_eq!(receive["action"], "receive");
        assert_eq!(
            receive["channel"]["$ref"],
            "#/channels/orders.order_cancelled"
        );
        let text = receive["description"].as_str().unwrap();
        for needle in [
            "`order_cancelled` method of `Handlers` in `src/events/handlers.rs`",
            "at least once",
            "duplicate suppression by `id`",
            "dead-letter destination",
        ] {
            assert!(text.contains(needle), "{needle:?} in {text}");
        }
        let dead = &doc["operations"]["deadLetterOrderCancelled"];
        assert_eq!(dead["action"], "send");
        assert_eq!(
            dead["channel"]["$ref"],
            "#/channels/dead-letter.payment-service.orders.order_cancelled"
        );
        assert_eq!(
            keys(&doc["components"]["messages"]),
            ["PaymentSucceeded", "OrderCancelled"]
        );
        assert_eq!(
            keys(&doc["components"]["schemas"]),
            ["PaymentSucceeded", "OrderCancelled"]
        );
    }

    #[test]
    fn messages_are_cloudevents_envelopes_around_the_payload_schema() {
        let doc = payment("nats");
        let message = &doc["components"]["messages"]["PaymentSucceeded"];
        assert_eq!(message["name"], "PaymentSucceeded");
        assert_eq!(message["contentType"], "application/cloudevents+json");
        let envelope = &message["payload"];
        assert_eq!(
            envelope["required"],
            json!([
                "specversion",
                "id",
                "source",
                "type",
                "time",
                "datacontenttype",
                "data"
            ])
        );
        let p = &envelope["properties"];
        assert_eq!(p["specversion"]["const"], "1.0");
        assert_eq!(p["id"]["type"], "string");
        assert_eq!(p["source"]["const"], "/payment-service");
        assert_eq!(p["type"]["const"], "PaymentSucceeded");
        assert_eq!(p["time"]["format"], "date-time");
        assert_eq!(p["datacontenttype"]["const"], "application/json");
        assert_eq!(
            p["traceparent"]["pattern"],
            "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
        );
        assert_eq!(p["data"]["$ref"], "#/components/schemas/PaymentSucceeded");
        // The example has `auth:`: its events may name the caller that caused them.
        assert_eq!(
            p["authtype"]["enum"],
            json!(["service_account", "app_user"])
        );
        assert_eq!(p["authid"]["type"], "string");
        let consumed = &doc["components"]["messages"]["OrderCancelled"]["payload"]["properties"];
        assert_eq!(consumed["source"]["const"], "/order-service");
        assert_eq!(consumed["type"]["const"], "OrderCancelled");
        assert_eq!(consumed.get("authid"), None);

        let payload = &doc["components"]["schemas"]["PaymentSucceeded"];
        assert_eq!(payload["type"], "object");
        assert_eq!(
            payload["required"],
            json!(["payment_id", "order_id", "amount"])
        );
        assert_eq!(
            payload["properties"]["payment_id"],
            json!({ "type": "string", "format": "uuid" })
        );
        let amount = &payload["properties"]["amount"];
        assert_eq!(amount["type"], "string");
        assert_eq!(amount["pattern"], "^-?[0-9]{1,18}(\\.[0-9]{1,10})?$");
        let payload = &doc["components"]["schemas"]["OrderCancelled"];
        assert_eq!(payload["required"], json!(["order_id"]));
        assert_eq!(
            payload["properties"]["reason"],
            json!({ "oneOf": [{ "type": "string" }, { "type": "null" }] })
        );
    }

    #[test]
    fn payload_constraints_are_those_of_openapi() {
        let text = "service: shop\nevents:\n  publish:\n    ItemAdded:\n      subject: shop.item_added\n      description: An item was put on sale.\n      payload:\n        sku: { type: string, min_length: 3, max_length: 12, pattern: \"^[A-Z0-9]+$\" }\n        price: { type: decimal, min: 0 }\n        quantity: { type: int, min: 1, max: 99 }\n        kind: { type: enum, values: [new, used] }\n        at: datetime\n";
        let doc: Value = serde_yaml::from_str(&document(&service(text)).unwrap()).unwrap();
        let schema = &doc["components"]["schemas"]["ItemAdded"];
        assert_eq!(schema["description"], "An item was put on sale.");
        let p = &schema["properties"];
        assert_eq!(
            p["sku"],
            json!({ "type": "string", "minLength": 3, "maxLength": 12, "pattern": "^[A-Z0-9]+$" })
        );
        // The bounds are in the pattern, as in openapi.yaml.
        let price = super::super::decimal_pattern::pattern(Some("0"), None);
        assert_eq!(p["price"]["pattern"], price);
        assert_eq!(p["price"]["x-minimum"], 0);
        assert_eq!(p["quantity"]["minimum"], 1);
        assert_eq!(p["quantity"]["maximum"], 99);
        assert_eq!(
            p["kind"],
            json!({ "type": "string", "enum": ["new", "used"] })
        );
        assert_eq!(p["at"], json!({ "type": "string", "format": "date-time" }));
        // No key field: one ordering for the whole type.
        let send = doc["operations"]["sendItemAdded"]["description"]
            .as_str()
            .unwrap();
        assert!(
            send.contains("Events of this type are sent in the order"),
            "{send}"
        );
    }

    #[test]
    fn without_a_broker_there_is_no_server_and_no_dead_letter() {
        let doc = payment("none");
        assert!(doc.get("servers").is_none(), "{doc:#}");
        let info = doc["info"]["description"].as_str().unwrap();
        assert!(info.contains("delivered in process"), "{info}");
        assert_eq!(
            keys(&doc["channels"]),
            ["payments.payment_succeeded", "orders.order_cancelled"]
        );
        assert_eq!(
            keys(&doc["operations"]),
            ["sendPaymentSucceeded", "receiveOrderCancelled"]
        );
        let receive = doc["operations"]["receiveOrderCancelled"]["description"]
            .as_str()
            .unwrap();
        assert!(receive.contains("is logged"), "{receive}");
    }

    #[test]
    fn rabbitmq_has_the_exchange_the_queues_and_one_dead_letter_queue() {
        let doc = payment("rabbitmq");
        assert_eq!(doc["servers"]["rabbitmq"]["host"], "127.0.0.1:5672");
        assert_eq!(doc["servers"]["rabbitmq"]["protocol"], "amqp");
        assert!(doc["servers"]["rabbitmq"]["description"]
            .as_str()
            .unwrap()
            .contains("AMQP_URL"));
        assert_eq!(
            keys(&doc["channels"]),
            [
                "payments.payment_succeeded",
                "orders.order_cancelled",
                "payment-service.orders.order_cancelled",
                "payment-service.dead-letter"
            ]
        );
        let exchange = json!({
            "is": "routingKey",
            "exchange": { "name": "events", "type": "topic", "durable": true, "autoDelete": false },
            "bindingVersion": "0.3.0",
        });
        for subject in ["payments.payment_succeeded", "orders.order_cancelled"] {
            assert_eq!(doc["channels"][subject]["bindings"]["amqp"], exchange);
        }
        let queue = &doc["channels"]["payment-service.orders.order_cancelled"];
        assert_eq!(queue["address"], "payment-service.orders.order_cancelled");
        assert_eq!(queue["bindings"]["amqp"]["is"], "queue");
        assert_eq!(
            queue["bindings"]["amqp"]["queue"]["name"],
            "payment-service.orders.order_cancelled"
        );
        assert_eq!(queue["bindings"]["amqp"]["queue"]["durable"], true);
        assert_eq!(
            doc["operations"]["receiveOrderCancelled"]["channel"]["$ref"],
            "#/channels/payment-service.orders.order_cancelled"
        );
        let dead = &doc["channels"]["payment-service.dead-letter"];
        assert_eq!(dead["address"], "payment-service.dead-letter");
        assert_eq!(dead["bindings"]["amqp"]["queue"]["durable"], true);
        assert!(dead["description"]
            .as_str()
            .unwrap()
            .contains("default exchange"));
        assert_eq!(
            doc["operations"]["deadLetterOrderCancelled"]["channel"]["$ref"],
            "#/channels/payment-service.dead-letter"
        );
    }

    #[test]
    fn kafka_has_its_server_group_key_and_dead_letter_topic() {
        let doc = payment("kafka");
        assert_eq!(doc["servers"]["kafka"]["host"], "127.0.0.1:9092");
        assert_eq!(doc["servers"]["kafka"]["protocol"], "kafka");
        assert!(doc["servers"]["kafka"]["description"]
            .as_str()
            .unwrap()
            .contains("KAFKA_BROKERS"));
        assert!(doc["channels"]
            .get("dead-letter.payment-service.orders.order_cancelled")
            .is_some());
        assert_eq!(
            doc["operations"]["receiveOrderCancelled"]["bindings"]["kafka"]["groupId"],
            json!({ "type": "string", "enum": ["payment-service"] })
        );
        let key = &doc["components"]["messages"]["PaymentSucceeded"]["bindings"]["kafka"]["key"];
        assert!(key["description"]
            .as_str()
            .unwrap()
            .contains("`payment_id`"));
    }

    #[test]
    fn every_reference_resolves_and_operations_use_their_channels_messages() {
        for broker in ["none", "nats", "rabbitmq", "kafka"] {
            let doc = payment(broker);
            let mut found = Vec::new();
            refs(&doc, &mut found);
            assert!(!found.is_empty());
            for target in found {
                let pointer = target.strip_prefix('#').expect("a local reference");
                assert!(
                    doc.pointer(pointer).is_some(),
                    "{broker}: {target} resolves"
                );
            }
            for (id, op) in doc["operations"].as_object().unwrap() {
                let channel = op["channel"]["$ref"].as_str().unwrap();
                for message in op["messages"].as_array().unwrap() {
                    let message = message["$ref"].as_str().unwrap();
                    assert!(
                        message.starts_with(&format!("{channel}/messages/")),
                        "{broker}: {id} sends a message of its channel"
                    );
                }
            }
        }
    }

    #[test]
    fn events_sharing_a_subject_share_a_channel() {
        let text = "service: shop\nbroker: nats\nevents:\n  publish:\n    ItemAdded: { subject: shop.items, payload: { sku: string } }\n    ItemRemoved: { subject: shop.items, payload: { sku: string } }\n";
        let doc: Value = serde_yaml::from_str(&document(&service(text)).unwrap()).unwrap();
        assert_eq!(keys(&doc["channels"]), ["shop.items"]);
        assert_eq!(
            keys(&doc["channels"]["shop.items"]["messages"]),
            ["ItemAdded", "ItemRemoved"]
        );
    }

    #[test]
    fn a_queue_named_like_a_subject_gets_a_channel_of_its_own() {
        let text = "service: shop\nbroker: rabbitmq\nevents:\n  publish:\n    ItemAdded: { subject: shop.items, payload: { sku: string } }\n  consume:\n    ItemsCounted: { subject: items, payload: { count: int } }\n";
        let doc: Value = serde_yaml::from_str(&document(&service(text)).unwrap()).unwrap();
        assert_eq!(
            keys(&doc["channels"]),
            ["shop.items", "items", "shop.items-2", "shop.dead-letter"]
        );
        assert_eq!(doc["channels"]["shop.items-2"]["address"], "shop.items");
        assert_eq!(
            doc["channels"]["shop.items-2"]["bindings"]["amqp"]["is"],
            "queue"
        );
        assert_eq!(
            doc["operations"]["receiveItemsCounted"]["messages"][0]["$ref"],
            "#/channels/shop.items-2/messages/ItemsCounted"
        );
    }

    #[test]
    fn a_service_without_events_has_no_document() {
        let text = "service: shop\nentities:\n  Item: { fields: { sku: string } }\nendpoints:\n  - resource: Item\n";
        assert_eq!(document(&service(text)), None);
    }
}
