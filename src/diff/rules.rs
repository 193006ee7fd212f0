//! Every rule `msgen diff` reports by: its id, what it is about and how grave it is unless the
//! service's `msgen.compat.yaml` says otherwise. docs/compat.md explains each with an example.

use std::sync::LazyLock;

use serde::Serialize;

/// How grave a change is, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Safe for everyone: reported so that the change is seen.
    Info,
    /// Safe by the contract, but likely to surprise someone (a client that assumed more than
    /// the contract said, a lock on a busy table).
    Warning,
    /// Something that works today stops working: a client's call, a consumer's decoding, a
    /// row of data.
    Breaking,
}

impl Severity {
    pub const ALL: [&'static str; 3] = ["info", "warning", "breaking"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => Self::Info,
            "warning" => Self::Warning,
            "breaking" => Self::Breaking,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

/// Which contract a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Http,
    Events,
    Database,
    Grpc,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Events => "events",
            Self::Database => "database",
            Self::Grpc => "grpc",
        }
    }
}

/// Which way values of a compared schema travel, which decides what breaks whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A request body: clients write it, the service reads it.
    Request,
    /// A path, query or header parameter: the same, one value at a time.
    Parameter,
    /// A response body: the service writes it, clients read it.
    Response,
    /// The payload of an event the service publishes: consumers read it.
    Published,
    /// The payload of an event the service consumes: it reads what producers write.
    Consumed,
}

impl Side {
    const ALL: [Side; 5] = [
        Self::Request,
        Self::Parameter,
        Self::Response,
        Self::Published,
        Self::Consumed,
    ];

    /// The service reads these values (rather than writes them).
    fn reads(self) -> bool {
        matches!(self, Self::Request | Self::Parameter | Self::Consumed)
    }

    pub fn category(self) -> Category {
        match self {
            Self::Published | Self::Consumed => Category::Events,
            _ => Category::Http,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Parameter => "parameter",
            Self::Response => "response",
            Self::Published => "published",
            Self::Consumed => "consumed",
        }
    }
}

/// A difference between two versions of one schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    NullableAdded,
    NullableRemoved,
    TypeWidened,
    TypeNarrowed,
    TypeChanged,
    EnumValueAdded,
    EnumValueRemoved,
    ConstraintTightened,
    ConstraintLoosened,
    PropertyAdded,
    PropertyAddedRequired,
    PropertyRemoved,
    PropertyRenamed,
    BecameRequired,
    BecameOptional,
}

impl Check {
    const ALL: [Check; 15] = [
        Self::NullableAdded,
        Self::NullableRemoved,
        Self::TypeWidened,
        Self::TypeNarrowed,
        Self::TypeChanged,
        Self::EnumValueAdded,
        Self::EnumValueRemoved,
        Self::ConstraintTightened,
        Self::ConstraintLoosened,
        Self::PropertyAdded,
        Self::PropertyAddedRequired,
        Self::PropertyRemoved,
        Self::PropertyRenamed,
        Self::BecameRequired,
        Self::BecameOptional,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::NullableAdded => "nullable-added",
            Self::NullableRemoved => "nullable-removed",
            Self::TypeWidened => "type-widened",
            Self::TypeNarrowed => "type-narrowed",
            Self::TypeChanged => "type-changed",
            Self::EnumValueAdded => "enum-value-added",
            Self::EnumValueRemoved => "enum-value-removed",
            Self::ConstraintTightened => "constraint-tightened",
            Self::ConstraintLoosened => "constraint-loosened",
            Self::PropertyAdded => "property-added",
            Self::PropertyAddedRequired => "property-added-required",
            Self::PropertyRemoved => "property-removed",
            Self::PropertyRenamed => "property-renamed",
            Self::BecameRequired => "became-required",
            Self::BecameOptional => "became-optional",
        }
    }

    /// The rule's id on `side`: `response-property-removed`, `parameter-removed`.
    pub fn id(self, side: Side) -> String {
        let name = self.name();
        let name = match side {
            Side::Parameter => name.strip_prefix("property-").unwrap_or(name),
            _ => name,
        };
        format!("{}-{name}", side.prefix())
    }

    /// How grave the difference is on `side`: what a reader must fear is taking less, what
    /// a reader of what is written must fear is being sent more.
    pub fn severity(self, side: Side) -> Severity {
        use Severity::*;
        let (reading, writing) = match self {
            Self::NullableAdded => (Info, Breaking),
            Self::NullableRemoved => (Breaking, Info),
            Self::TypeWidened => (Info, Breaking),
            Self::TypeNarrowed => (Breaking, Info),
            Self::TypeChanged => (Breaking, Breaking),
            Self::EnumValueAdded => (Info, Warning),
            Self::EnumValueRemoved => (Breaking, Info),
            Self::ConstraintTightened => (Breaking, Info),
            Self::ConstraintLoosened => (Info, Warning),
            Self::PropertyAdded => (Info, Info),
            Self::PropertyAddedRequired => (Breaking, Info),
            // A client still sends it and the service ignores it; a consumer reads less.
            Self::PropertyRemoved => match side {
                Side::Consumed => (Info, Breaking),
                _ => (Warning, Breaking),
            },
            Self::PropertyRenamed => (Breaking, Breaking),
            Self::BecameRequired => (Breaking, Info),
            Self::BecameOptional => (Info, Breaking),
        };
        if side.reads() {
            reading
        } else {
            writing
        }
    }
}

/// A rule: what `msgen diff` reports a change by.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
}

/// The rules that are not about one schema compared with another.
pub const OTHER_RULES: &[(&str, Category, Severity)] = &[
    ("operation-removed", Category::Http, Severity::Breaking),
    ("operation-added", Category::Http, Severity::Info),
    ("auth-required", Category::Http, Severity::Breaking),
    ("auth-no-longer-required", Category::Http, Severity::Info),
    ("scope-added", Category::Http, Severity::Breaking),
    ("scope-removed", Category::Http, Severity::Info),
    ("request-body-added", Category::Http, Severity::Breaking),
    ("request-body-removed", Category::Http, Severity::Warning),
    (
        "response-success-status-removed",
        Category::Http,
        Severity::Breaking,
    ),
    (
        "response-error-status-removed",
        Category::Http,
        Severity::Info,
    ),
    ("response-status-added", Category::Http, Severity::Info),
    ("event-removed", Category::Events, Severity::Breaking),
    ("event-added", Category::Events, Severity::Info),
    (
        "event-subject-changed",
        Category::Events,
        Severity::Breaking,
    ),
    ("consumed-event-removed", Category::Events, Severity::Info),
    ("consumed-event-added", Category::Events, Severity::Info),
    (
        "consumed-subject-changed",
        Category::Events,
        Severity::Warning,
    ),
    ("table-dropped", Category::Database, Severity::Breaking),
    ("table-added", Category::Database, Severity::Info),
    ("table-renamed", Category::Database, Severity::Info),
    ("column-dropped", Category::Database, Severity::Breaking),
    ("column-added", Category::Database, Severity::Info),
    (
        "column-added-required",
        Category::Database,
        Severity::Breaking,
    ),
    ("column-renamed", Category::Database, Severity::Info),
    ("column-type-widened", Category::Database, Severity::Warning),
    (
        "column-type-changed",
        Category::Database,
        Severity::Breaking,
    ),
    (
        "column-became-required",
        Category::Database,
        Severity::Warning,
    ),
    (
        "column-became-required-without-default",
        Category::Database,
        Severity::Breaking,
    ),
    ("column-became-optional", Category::Database, Severity::Info),
    (
        "column-values-removed",
        Category::Database,
        Severity::Breaking,
    ),
    ("column-values-added", Category::Database, Severity::Info),
    ("unique-added", Category::Database, Severity::Warning),
    ("foreign-key-changed", Category::Database, Severity::Warning),
    ("index-added", Category::Database, Severity::Warning),
    ("index-removed", Category::Database, Severity::Info),
    ("database-changed", Category::Database, Severity::Breaking),
    ("grpc-contract-added", Category::Grpc, Severity::Info),
    ("grpc-contract-removed", Category::Grpc, Severity::Breaking),
    ("grpc-service-renamed", Category::Grpc, Severity::Breaking),
    ("grpc-rpc-removed", Category::Grpc, Severity::Breaking),
    ("grpc-rpc-added", Category::Grpc, Severity::Info),
    ("grpc-message-removed", Category::Grpc, Severity::Breaking),
    ("grpc-field-removed", Category::Grpc, Severity::Breaking),
    ("grpc-field-added", Category::Grpc, Severity::Info),
    (
        "grpc-field-type-changed",
        Category::Grpc,
        Severity::Breaking,
    ),
    (
        "grpc-field-cardinality-changed",
        Category::Grpc,
        Severity::Breaking,
    ),
    ("grpc-enum-removed", Category::Grpc, Severity::Breaking),
    (
        "grpc-enum-value-removed",
        Category::Grpc,
        Severity::Breaking,
    ),
    ("grpc-enum-value-added", Category::Grpc, Severity::Info),
];

/// Every rule, schema comparisons first, each once.
pub static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut rules: Vec<Rule> = Side::ALL
        .iter()
        .flat_map(|&side| {
            Check::ALL.iter().map(move |&check| Rule {
                id: check.id(side),
                category: side.category(),
                severity: check.severity(side),
            })
        })
        .collect();
    rules.extend(OTHER_RULES.iter().map(|&(id, category, severity)| Rule {
        id: id.to_owned(),
        category,
        severity,
    }));
    rules
});

/// The rule of `id`, if there is one.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The default severity of `id`, which must be a rule's.
pub fn severity(id: &str) -> Severity {
    find(id)
        .unwrap_or_else(|| panic!("`{id}` is a rule"))
        .severity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id.as_str()).collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }

    #[test]
    fn reading_and_writing_are_mirrored() {
        assert_eq!(
            Check::PropertyRemoved.severity(Side::Response),
            Severity::Breaking
        );
        assert_eq!(
            Check::PropertyRemoved.severity(Side::Request),
            Severity::Warning
        );
        assert_eq!(
            Check::EnumValueRemoved.severity(Side::Request),
            Severity::Breaking
        );
        assert_eq!(
            Check::EnumValueRemoved.severity(Side::Response),
            Severity::Info
        );
        assert_eq!(Check::PropertyAdded.id(Side::Parameter), "parameter-added");
        assert_eq!(
            Check::ConstraintTightened.id(Side::Consumed),
            "consumed-constraint-tightened"
        );
    }
}
