//! What a webhook delivery carries: Harbor's event payload (`notifyModel.Payload` in
//! `src/pkg/notifier/model/event.go`) and the three ways a target has it written: the
//! `Default` and `CloudEvents` formats of an `http` target (`src/pkg/notifier/formats/`) and
//! the message a `slack` target gets (`slack_handler.go`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The payload of one event, as every target of every policy the event concerns gets it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookPayload {
    /// The event type (`PUSH_ARTIFACT`, ...).
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event happened, in Unix seconds.
    pub occur_at: i64,
    /// Who acted (empty when nobody signed in, as Harbor leaves it).
    pub operator: String,
    /// What the event is about.
    pub event_data: EventData,
}

/// `EventData`: each part left out when empty (`omitempty`).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct EventData {
    /// The artifacts concerned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<HookResource>,
    /// Their repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<HookRepository>,
    /// The replication task whose status changed (a replication event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<HookReplication>,
    /// The retention run's deletions (a retention event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<HookRetention>,
    /// The scan that ended (a scan event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<HookScan>,
    /// Free attributes (`Details` of a quota event); Go writes a map's keys sorted.
    #[serde(
        rename = "custom_attributes",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub custom: BTreeMap<String, String>,
}

/// `Resource`: one artifact, each field left out when empty.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct HookResource {
    /// Its digest.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// The tag the event names, else the digest.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tag: String,
    /// `<external host>/<repository>:<tag>`, or `@<digest>` when the reference is one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resource_url: String,
    /// The vulnerability summary of a scan event, by report type (Go's `map[string]any`: an
    /// empty one is left out).
    #[serde(skip_serializing_if = "is_empty_map")]
    pub scan_overview: Value,
    /// The SBOM summary of an SBOM generation's event.
    #[serde(skip_serializing_if = "is_empty_map")]
    pub sbom_overview: Value,
}

/// `Replication` of the event model (`src/controller/event/model/event.go`): a replication
/// task's status change, every field left out when empty.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct HookReplication {
    /// The external host without its port.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub harbor_hostname: String,
    /// The task's new status (the job service's: `Running`, `Success`, `Error`, ...).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub job_status: String,
    /// The policy's description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The task's resource type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// The remote registry's credential type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authentication_type: String,
    /// The policy's `override`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub override_mode: bool,
    /// The execution's trigger.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub trigger_type: String,
    /// Who created the policy.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub policy_creator: String,
    /// The execution's start, in Unix seconds.
    #[serde(skip_serializing_if = "is_zero")]
    pub execution_timestamp: i64,
    /// Where the artifacts come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_resource: Option<HookReplicationSide>,
    /// Where they go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_resource: Option<HookReplicationSide>,
    /// The task's resource, when the task succeeded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub successful_artifact: Vec<HookArtifactInfo>,
    /// The task's resource, when the task failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_artifact: Vec<HookArtifactInfo>,
    /// The execution.
    #[serde(skip_serializing_if = "is_zero")]
    pub execution_id: i64,
    /// The task.
    #[serde(skip_serializing_if = "is_zero")]
    pub task_id: i64,
}

/// `ReplicationResource`: one side of a replication.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookReplicationSide {
    /// The registry's name (this Harbor's side has none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub registry_name: String,
    /// Its adapter type.
    pub registry_type: String,
    /// Its URL.
    pub endpoint: String,
    /// The namespace named on this side.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// `ArtifactInfo`: the resource a replication task carried.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookArtifactInfo {
    /// Its resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The task's status.
    pub status: String,
    /// The repository and tags without the namespace.
    #[serde(rename = "name_tag")]
    pub name_and_tag: String,
    /// Its references (`null` in a retention event, which names none).
    pub references: Option<Vec<String>>,
}

/// `Retention` of the event model: what a retention task deleted.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookRetention {
    /// The repository's candidates.
    pub total: usize,
    /// Those kept.
    pub retained: usize,
    /// The external host without its port.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub harbor_hostname: String,
    /// The project.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project_name: String,
    /// The retention policy.
    #[serde(skip_serializing_if = "is_zero")]
    pub retention_policy_id: i64,
    /// The policy's rules: template, parameters and selectors (`RetentionRule`).
    #[serde(rename = "retention_rule", skip_serializing_if = "Vec::is_empty")]
    pub retention_rules: Vec<Value>,
    /// Always `SUCCESS` (the check-in's).
    #[serde(rename = "result", skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// What was deleted.
    #[serde(rename = "deleted_artifact", skip_serializing_if = "Vec::is_empty")]
    pub deleted_artifacts: Vec<HookArtifactInfo>,
}

/// `Scan` of the event model: what kind of scan ended.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookScan {
    /// `vulnerability` or `sbom` (left out when the execution did not say).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scan_type: String,
}

fn is_empty_map(v: &Value) -> bool {
    v.as_object().is_none_or(|m| m.is_empty())
}

/// `Repository`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HookRepository {
    /// Its creation in Unix seconds; 0 (left out) when the repository is gone.
    #[serde(skip_serializing_if = "is_zero")]
    pub date_created: i64,
    /// Its name without the project (`team/app` of `demo/team/app`).
    pub name: String,
    /// Its project's name.
    pub namespace: String,
    /// Its full name.
    pub repo_full_name: String,
    /// `public` or `private`, as its project is.
    pub repo_type: &'static str,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Where the events of a project's policy come from (`source` of a CloudEvent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HookSource {
    /// The project.
    pub project_id: i64,
    /// The policy.
    pub policy_id: i64,
}

/// A delivery as formatted for its target: the body the job posts and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormattedHook {
    /// `Content-Type` of the request.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

/// The CloudEvents `type` of a Harbor event type (`eventTypeMapping` in `cloudevents.go`).
fn cloud_event_type(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "DELETE_ARTIFACT" => "harbor.artifact.deleted",
        "PULL_ARTIFACT" => "harbor.artifact.pulled",
        "PUSH_ARTIFACT" => "harbor.artifact.pushed",
        "QUOTA_EXCEED" => "harbor.quota.exceeded",
        "QUOTA_WARNING" => "harbor.quota.warned",
        "REPLICATION" => "harbor.replication.status.changed",
        "SCANNING_FAILED" => "harbor.scan.failed",
        "SCANNING_COMPLETED" => "harbor.scan.completed",
        "SCANNING_STOPPED" => "harbor.scan.stopped",
        "TAG_RETENTION" => "harbor.tag_retention.finished",
        _ => return None,
    })
}

impl HookPayload {
    /// The `Default` format (also an empty one): the payload as `json.Marshal` writes it.
    pub(crate) fn default_format(&self) -> FormattedHook {
        FormattedHook {
            content_type: "application/json",
            body: go_marshal(self, false),
        }
    }

    /// The `CloudEvents` format: a structured CloudEvent of spec version 1.0 whose data is
    /// the payload's `event_data`, written as the SDK's `WriteJson` orders it (the context
    /// attributes, the data, then the extensions: the request id of the request that caused
    /// the event and the operator; the SDK writes its extensions in Go's map order, which
    /// varies, and here always in this one). `None` for an event type the format does not
    /// map (Harbor's `unknown event type`).
    pub(crate) fn cloud_events_format(
        &self,
        source: HookSource,
        id: &str,
        request_id: &str,
    ) -> Option<FormattedHook> {
        #[derive(Serialize)]
        struct CloudEvent<'a> {
            specversion: &'static str,
            id: &'a str,
            source: String,
            #[serde(rename = "type")]
            event_type: &'static str,
            datacontenttype: &'static str,
            time: String,
            data: &'a EventData,
            requestid: &'a str,
            operator: &'a str,
        }
        let event = CloudEvent {
            specversion: "1.0",
            id,
            source: format!(
                "/projects/{}/webhook/policies/{}",
                source.project_id, source.policy_id
            ),
            event_type: cloud_event_type(&self.event_type)?,
            datacontenttype: "application/json",
            time: unix_rfc3339(self.occur_at),
            data: &self.event_data,
            requestid: request_id,
            operator: &self.operator,
        };
        Some(FormattedHook {
            content_type: "application/cloudevents+json",
            body: go_marshal(&event, false),
        })
    }

    /// The message of a `slack` target: Harbor's Slack template (`SlackBodyTemplate`, with
    /// its mix of tabs and spaces) filled with the event type, time, operator and the event
    /// data indented with tabs, its quotes escaped, in a code block (`SlackHandler.convert`).
    /// The data keeps the indentation's raw newlines and tabs inside a JSON string, as
    /// Harbor's message does.
    pub(crate) fn slack_format(&self) -> FormattedHook {
        let data = go_marshal(&self.event_data, true)
            .replace('"', "\\\"")
            .replace("\\\\\"", "\\\\\\\"");
        // The template's three shapes of a block: how it opens, how it closes.
        const SPACED: (&str, &str) = ("        {\n            \"type\": \"section\",", "        }");
        const TABBED: (&str, &str) = ("        {\t\"type\": \"section\",", "\t\t}");
        let blocks = [
            (
                ("\t\t{\n            \"type\": \"section\",", SPACED.1),
                "*Harbor webhook events*".to_owned(),
            ),
            (SPACED, format!("*event_type:* {}", self.event_type)),
            (
                SPACED,
                format!(
                    "*occur_at:* <!date^{}^{{date}} at {{time}}|February 18th, 2014 at 6:39 AM PST>",
                    self.occur_at
                ),
            ),
            (TABBED, format!("*operator:* {}", self.operator)),
            (TABBED, "*event_data:*".to_owned()),
            (
                ("\t\t{\t\"type\": \"section\",", TABBED.1),
                format!("```{data}```"),
            ),
        ];
        let blocks: Vec<String> = blocks
            .iter()
            .map(|((open, close), text)| {
                format!(
                    "{open}\n\t\t\t\"text\": {{\n\t\t\t\t\"type\": \"mrkdwn\",\n\t\t\t\t\"text\": \"{text}\"\n\t\t\t}}\n{close}"
                )
            })
            .collect();
        FormattedHook {
            content_type: "application/json",
            body: format!("{{\n\t\"blocks\": [\n{}\n    ]}}", blocks.join(",\n")),
        }
    }
}

/// `json.Marshal` (or `json.MarshalIndent` with a tab when `indent`) of a Go struct: fields
/// in declaration order, HTML characters escaped as Go's encoder escapes them.
fn go_marshal<T: Serialize>(value: &T, indent: bool) -> String {
    let text = if indent {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
        let mut writer = serde_json::Serializer::with_formatter(&mut out, formatter);
        // Writing plain structs of strings and integers into memory cannot fail.
        let _ = value.serialize(&mut writer);
        String::from_utf8(out).unwrap_or_default()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    };
    let mut out = String::with_capacity(text.len());
    crate::go_json::escape_html_into(&mut out, &text);
    out
}

/// Unix seconds as the SDK writes a CloudEvent's `time` (RFC 3339 in UTC, no fraction for a
/// whole second).
fn unix_rfc3339(seconds: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds.max(0).unsigned_abs());
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pushed() -> HookPayload {
        HookPayload {
            event_type: "PUSH_ARTIFACT".into(),
            occur_at: 1_678_082_303,
            operator: "admin".into(),
            event_data: EventData {
                resources: vec![HookResource {
                    digest: "sha256:dde8".into(),
                    tag: "latest".into(),
                    resource_url: "harbor.dev/library/busybox:latest".into(),
                    ..HookResource::default()
                }],
                repository: Some(HookRepository {
                    date_created: 1_677_053_165,
                    name: "busybox".into(),
                    namespace: "library".into(),
                    repo_full_name: "library/busybox".into(),
                    repo_type: "public",
                }),
                ..EventData::default()
            },
        }
    }

    #[test]
    fn the_default_format_is_the_payload_in_go_field_order() {
        let hook = pushed().default_format();
        assert_eq!(hook.content_type, "application/json");
        assert_eq!(
            hook.body,
            r#"{"type":"PUSH_ARTIFACT","occur_at":1678082303,"operator":"admin","event_data":{"resources":[{"digest":"sha256:dde8","tag":"latest","resource_url":"harbor.dev/library/busybox:latest"}],"repository":{"date_created":1677053165,"name":"busybox","namespace":"library","repo_full_name":"library/busybox","repo_type":"public"}}}"#
        );
    }

    #[test]
    fn empty_parts_are_left_out_and_html_is_escaped() {
        let mut payload = pushed();
        payload.event_data.resources.clear();
        payload
            .event_data
            .custom
            .insert("Details".into(), "a <b> & c".into());
        if let Some(r) = payload.event_data.repository.as_mut() {
            r.date_created = 0;
        }
        let body = payload.default_format().body;
        assert!(!body.contains("resources"), "{body}");
        assert!(!body.contains("date_created"), "{body}");
        assert!(
            body.ends_with(r#""custom_attributes":{"Details":"a \u003cb\u003e \u0026 c"}}}"#),
            "{body}"
        );
    }

    #[test]
    fn a_cloud_event_carries_the_event_data_and_its_origin() {
        let source = HookSource {
            project_id: 1,
            policy_id: 3,
        };
        let hook = pushed()
            .cloud_events_format(source, "4b2f", "2eed")
            .expect("push events are mapped");
        assert_eq!(hook.content_type, "application/cloudevents+json");
        let doc: serde_json::Value = serde_json::from_str(&hook.body).unwrap();
        assert_eq!(doc["type"], "harbor.artifact.pushed");
        assert_eq!(doc["source"], "/projects/1/webhook/policies/3");
        assert_eq!(doc["time"], "2023-03-06T05:58:23Z");
        assert_eq!(doc["data"]["repository"]["name"], "busybox");
        assert_eq!(
            (doc["requestid"].as_str(), doc["operator"].as_str()),
            (Some("2eed"), Some("admin"))
        );
        assert!(
            hook.body
                .starts_with(r#"{"specversion":"1.0","id":"4b2f","source":"#)
        );
        let mut unknown = pushed();
        unknown.event_type = "NOT_AN_EVENT".into();
        assert!(unknown.cloud_events_format(source, "", "").is_none());
    }

    #[test]
    fn a_slack_message_fills_harbors_template_with_the_data_in_a_code_block() {
        let body = pushed().slack_format().body;
        assert!(
            body.starts_with("{\n\t\"blocks\": [\n\t\t{\n            \"type\": \"section\",\n"),
            "{body}"
        );
        assert!(
            body.contains("\t\t\t\t\"text\": \"*event_type:* PUSH_ARTIFACT\"\n"),
            "{body}"
        );
        assert!(
            body.contains("\"*occur_at:* <!date^1678082303^{date} at {time}|"),
            "{body}"
        );
        assert!(body.contains("        {\t\"type\": \"section\",\n\t\t\t\"text\": {\n\t\t\t\t\"type\": \"mrkdwn\",\n\t\t\t\t\"text\": \"*operator:* admin\"\n\t\t\t}\n\t\t},\n"), "{body}");
        // The data: indented with tabs, its quotes escaped once, in a code block.
        assert!(body.contains("\"text\": \"```{\n\t\\\"resources\\\": [\n\t\t{\n\t\t\t\\\"digest\\\": \\\"sha256:dde8\\\","), "{body}");
        assert!(body.ends_with("}```\"\n\t\t\t}\n\t\t}\n    ]}"), "{body}");
    }
}
