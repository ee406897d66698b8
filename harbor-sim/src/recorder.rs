//! An opt-in record of every answer the simulator gives, for conformance checks: turn it on
//! with [`SimulatorBuilder::record_answers`](crate::SimulatorBuilder::record_answers) and read
//! it with [`SimHandle::answers`](crate::SimHandle::answers).

use std::sync::Mutex;

use bytes::Bytes;

/// One answer as the client received it. Read only: the simulator makes them, and fields may
/// be added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedAnswer {
    /// The operation id the request was routed to; empty when no operation matched.
    pub operation: &'static str,
    /// The request's method.
    pub method: String,
    /// The request's path and query, as received.
    pub uri: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// Whether the answer came from an injected fault or a rate limit (not Harbor's behaviour
    /// by design).
    pub injected: bool,
    /// The answer's body.
    pub body: Bytes,
    /// Of a 5xx the simulated Harbor gave (not an injected one), its cause: what Harbor logs
    /// and leaves out of the answer.
    pub cause: Option<String>,
    /// Of a write refused with 400 or more, the state's tables its handler changed anyway:
    /// Harbor runs such a request in one database transaction and rolls it back, so a name
    /// here is a departure from Harbor (empty for any other answer).
    pub changed_when_refused: Vec<&'static str>,
}

/// The answers recorded so far; absent (and free) unless recording was asked for.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    answers: Option<Mutex<Vec<RecordedAnswer>>>,
}

impl Recorder {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            answers: enabled.then(Mutex::default),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.answers.is_some()
    }

    pub(crate) fn push(&self, answer: RecordedAnswer) {
        if let Some(answers) = &self.answers {
            answers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(answer);
        }
    }

    /// The last answer recorded, left in the record.
    pub(crate) fn last(&self) -> Option<RecordedAnswer> {
        self.answers
            .as_ref()
            .and_then(|a| a.lock().unwrap_or_else(|e| e.into_inner()).last().cloned())
    }

    /// The recorded answers, emptying the record.
    pub(crate) fn take(&self) -> Vec<RecordedAnswer> {
        self.answers
            .as_ref()
            .map(|a| std::mem::take(&mut *a.lock().unwrap_or_else(|e| e.into_inner())))
            .unwrap_or_default()
    }
}
