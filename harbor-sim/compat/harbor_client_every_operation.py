"""Runs every operation of `harbor-api-client` (PyPI; a client generated from Harbor's spec by
swagger-codegen, package `harbor_client`), unchanged, against a fresh harbor-sim, and reports
per operation: ok, empty, refused (as real Harbor refuses), unreadable (the client cannot read
Harbor's own answer) or error.

`cargo test` runs it against an in-process simulator when the package is installed
(`tests/third_party_clients.rs`; CI installs it); see README.md beside this file.

    python harbor_client_every_operation.py --url http://127.0.0.1:18112 [--json results.json]

The client is used as generated: booleans go out as Python writes them (`True`), paths are
encoded once, every request says `Content-Type: application/json`. Arguments are chosen per
parameter name (the demo data's names); ids are looked up over plain HTTP right before the
call that needs them. Operations run reads first, then creates, updates, stops and deletes;
writes aim at what the run created (`compat...`), not at the demo data. Exit status: 0 when no
operation ends in `error` or `empty`.
"""

from __future__ import annotations

import argparse
import base64
import inspect
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from typing import Any, Callable

import harbor_client
from harbor_client.rest import ApiException

ADMIN = ("admin", "Harbor12345")

# Operations real Harbor refuses with the arguments this client can send, whatever the
# server's state: method -> (status, the Harbor source that decides it, why).
HARBOR_REFUSES: dict[str, tuple[int, str, str]] = {
    **{
        name: (
            404,
            "api/v2.0/swagger.yaml",
            "the client's v1 robot paths (/projects/{project_name_or_id}/robots) are not in Harbor's "
            "v2.0 spec (v2.13 to v2.16); go-swagger's router answers 404 for a path it does not serve",
        )
        for name in ("create_robot_v1", "delete_robot_v1", "get_robot_by_idv1", "list_robot_v1", "update_robot_v1")
    },
    "get_internalconfig": (
        401,
        "src/server/v2.0/handler/base.go",
        "RequireSolutionUserAccess: only Harbor's own services may read it; anyone else, an admin "
        "too, is 401 `only internal service is allowed to call this API`",
    ),
    "set_cli_secret": (
        412,
        "src/server/v2.0/handler/user.go",
        "requireForCLISecret: only under oidc_auth; a fresh Harbor runs db_auth",
    ),
    "get_cert": (
        404,
        "src/controller/systeminfo/controller.go",
        "GetCA: no CA file of its own (has_ca_root: false), as a Harbor installed without one",
    ),
    "import_ldap_user": (
        404,
        "src/pkg/ldap/manager.go, src/core/auth/db/db.go",
        "under db_auth the onboarding of an LDAP uid sets no user id: every uid fails, 404 with the list",
    ),
}


# Operations whose answer real Harbor sends empty in the demo's state too: method -> why.
HARBOR_ANSWERS_EMPTY: dict[str, str] = {
    "get_latest_scheduled_scan_all_metrics": "src/server/v2.0/handler/scan_all.go: getMetrics "
    "answers an empty Stats while no scheduled scan-all run exists (the demo has a schedule, "
    "no run of it yet)",
    "list_audit_logs": "src/server/v2.0/handler/auditlog.go: it reads the legacy audit_log table, "
    "which nothing writes since Harbor 2.13 (events go to audit_log_ext)",
    "get_logs": "src/server/v2.0/handler/project.go: the project's rows of the legacy audit_log table, "
    "empty since Harbor 2.13",
    "list_accessories": "the demo's nginx image has no accessory (signature, SBOM, ...) attached",
    "refresh_sec": "src/server/v2.0/handler/robot.go: RefreshSec sets a secret the request gives and "
    "answers an empty RobotSec (`robotSec.Secret = \"\"`); only a secret Harbor generates is sent back",
}

# Operations whose answer, as real Harbor sends it, this client cannot read into its model (a
# defect of the client, not of the answer): method -> (the start of the exception text, the
# Harbor source that fills the answer in, why the client fails).
CLIENT_CANNOT_READ: dict[str, tuple[str, str, str]] = {
    name: (
        "AttributeError: module 'harbor_client.models' has no attribute 'Object'",
        "src/controller/scanner/base_controller.go",
        "GetRegistration and ListRegistrations fill a registration's `capabilities` (a JSON object, "
        "`type: object` in the spec) from the adapter's metadata whenever the adapter answers, as "
        "Trivy does in every installation; the client types it `dict(str, Object)` and has no "
        "class `Object`",
    )
    for name in ("get_scanner", "get_scanner_of_project", "list_scanners")
}


class Lookup:
    """Ids and names read from the simulator with plain HTTP (no cookie: Harbor checks a CSRF
    token on any request that carries its session cookie)."""

    def __init__(self, api: str) -> None:
        self.api = api
        token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
        self.auth = {"Authorization": f"Basic {token}"}

    def get(self, path: str, **params: Any) -> Any:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        request = urllib.request.Request(self.api + path + query, headers=self.auth)
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def delete(self, path: str) -> None:
        request = urllib.request.Request(self.api + path, headers=self.auth, method="DELETE")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def first(self, path: str, key: str = "id", last: bool = False, query: dict[str, Any] | None = None, **match: Any) -> Any:
        items = self.get(path, page_size=100, **(query or {}))
        found = [i for i in items if all(i.get(k) == v for k, v in match.items())]
        if not found:
            raise LookupError(f"nothing in {path} with {match or 'any fields'}")
        return found[-1 if last else 0][key]

    def project_id(self, name: str) -> int:
        return self.get(f"/projects/{name}")["project_id"]

    def retention_id(self, project: str = "library") -> int:
        return int(self.get(f"/projects/{project}")["metadata"]["retention_id"])

    def report_id(self) -> str:
        a = self.get("/projects/library/repositories/nginx/artifacts/latest", with_scan_overview="true")
        return next(iter(a["scan_overview"].values()))["report_id"]

    def preheat_execution(self) -> int:
        return self.first("/projects/library/preheat/policies/nightly/executions")

    def webhook(self) -> int:
        return self.first("/projects/demo/webhook/policies")

    def webhook_execution(self) -> int:
        return self.first(f"/projects/demo/webhook/policies/{self.webhook()}/executions")

    def job_id(self) -> str:
        execution = self.first("/replication/executions")
        return self.first(f"/replication/executions/{execution}/tasks", key="job_id")


BY_NAME: dict[str, Any] = {
    "project_name": "library",
    "project_name_or_id": "library",
    "repository_name": "nginx",
    "reference": "latest",
    "addition": "build_history",
    "tag_name": "latest",
    "meta_name": "public",
    "job_type": "all",
    "pool_id": "all",
    "preheat_instance_name": "kraken",
    "preheat_policy_name": "nightly",
    "username": "alice",
    "groupname": "dev",
    "q": "lib",
    "x_scan_data_type": "application/vnd.security.vulnerability.report; version=1.1",
}

SCHEDULE = {"schedule": {"type": "Custom", "cron": "0 0 0 * * *"}}
# A preheat policy's filters are required (`decodeFilters`, src/pkg/p2p/preheat/models/policy/policy.go).
PREHEAT_FILTERS = "[{\"type\":\"repository\",\"value\":\"**\"}]"
PURGE = {**SCHEDULE, "parameters": {"audit_retention_hour": 168, "dry_run": True, "include_event_types": "create_artifact"}}
PERMISSIONS = [{"kind": "project", "namespace": "library", "access": [{"resource": "repository", "action": "pull"}]}]
RETENTION_RULE = {
    "action": "retain",
    "template": "latestPushedK",
    "params": {"latestPushedK": 5},
    "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
    "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
}
IMMUTABLE_RULE = {
    "action": "immutable",
    "template": "immutable_template",
    "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
    "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
}
WEBHOOK = {
    "name": "compat-hook",
    "enabled": True,
    "event_types": ["PUSH_ARTIFACT"],
    "targets": [{"type": "http", "address": "http://127.0.0.1:9/hook"}],
}

Arguments = Callable[[Lookup], dict[str, Any]]

# Per-operation arguments: ids looked up, bodies, and writes aimed at what the run created.
ARGUMENTS: dict[str, Arguments] = {
    # reads
    "action_get_job_log": lambda x: {"job_id": x.job_id()},
    "get_gc": lambda x: {"gc_id": x.first("/system/gc")},
    "get_gc_log": lambda x: {"gc_id": x.first("/system/gc")},
    "get_icon": lambda x: {"digest": x.get("/projects/library/repositories/nginx/artifacts/latest")["icon"]},
    "get_label_by_id": lambda x: {"label_id": x.first("/labels", query={"scope": "g"})},
    "list_labels": lambda x: {"scope": "g"},
    "get_project_member": lambda x: {"mid": x.first("/projects/library/members")},
    "get_execution": lambda x: {"execution_id": x.preheat_execution()},
    "list_tasks": lambda x: {"execution_id": x.preheat_execution()},
    "get_preheat_log": lambda x: {
        "execution_id": x.preheat_execution(),
        "task_id": x.first(f"/projects/library/preheat/policies/nightly/executions/{x.preheat_execution()}/tasks"),
    },
    "get_purge_job": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "get_purge_job_log": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "get_quota": lambda x: {"id": x.get("/quotas", reference="project", reference_id=x.project_id("library"))[0]["id"]},
    "get_registry": lambda x: {"id": x.first("/registries")},
    "get_registry_info": lambda x: {"id": x.first("/registries")},
    "get_replication_execution": lambda x: {"id": x.first("/replication/executions")},
    "list_replication_tasks": lambda x: {"id": x.first("/replication/executions")},
    "get_replication_log": lambda x: {
        "id": x.first("/replication/executions"),
        "task_id": x.first(f"/replication/executions/{x.first('/replication/executions')}/tasks"),
    },
    "get_replication_policy": lambda x: {"id": x.first("/replication/policies")},
    "get_retention": lambda x: {"id": x.retention_id()},
    "list_retention_executions": lambda x: {"id": x.retention_id()},
    "list_retention_tasks": lambda x: {
        "id": x.retention_id(),
        "eid": x.first(f"/retentions/{x.retention_id()}/executions"),
    },
    "get_retention_task_log": lambda x: {
        "id": x.retention_id(),
        "eid": x.first(f"/retentions/{x.retention_id()}/executions"),
        "tid": x.first(f"/retentions/{x.retention_id()}/executions/{x.first(f'/retentions/{x.retention_id()}/executions')}/tasks"),
    },
    "get_robot_by_id": lambda x: {"robot_id": x.first("/robots")},
    "get_robot_by_idv1": lambda x: {"robot_id": x.first("/robots")},
    "get_report_log": lambda x: {"report_id": x.report_id()},
    "get_scan_data_export_execution": lambda x: {"execution_id": x.get("/export/cve/executions")["items"][0]["id"]},
    "get_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid")},
    "get_scanner_metadata": lambda x: {"registration_id": x.first("/scanners", key="uuid")},
    "get_user": lambda x: {"user_id": x.first("/users", key="user_id", username="alice")},
    "get_user_group": lambda x: {"group_id": x.first("/usergroups")},
    "get_current_user_permissions": lambda x: {"scope": f"/project/{x.project_id('library')}", "relative": True},
    "get_logs_of_webhook_task": lambda x: {
        "project_name_or_id": "demo",
        "webhook_policy_id": x.webhook(),
        "execution_id": x.webhook_execution(),
        "task_id": x.first(f"/projects/demo/webhook/policies/{x.webhook()}/executions/{x.webhook_execution()}/tasks"),
    },
    "get_webhook_policy_of_project": lambda x: {"project_name_or_id": "demo", "webhook_policy_id": x.webhook()},
    "list_executions_of_webhook_policy": lambda x: {"project_name_or_id": "demo", "webhook_policy_id": x.webhook()},
    "list_tasks_of_webhook_execution": lambda x: {
        "project_name_or_id": "demo",
        "webhook_policy_id": x.webhook(),
        "execution_id": x.webhook_execution(),
    },
    "list_webhook_jobs": lambda x: {"project_name_or_id": "demo", "policy_id": x.webhook()},
    "list_webhook_policies_of_project": lambda x: {"project_name_or_id": "demo"},
    "last_trigger": lambda x: {"project_name_or_id": "demo"},
    "list_artifacts": lambda x: {"with_tag": True, "with_scan_overview": True, "with_label": True},
    "list_projects": lambda x: {"with_detail": True, "public": True},
    "list_vulnerabilities": lambda x: {"with_tag": True, "q": "severity=Critical"},
    "get_security_summary": lambda x: {"with_dangerous_cve": True, "with_dangerous_artifact": True},
    "search_ldap_user": lambda x: {"username": "carol"},
    "search_ldap_group": lambda x: {"groupname": "dev"},
    "head_project": lambda x: {"project_name": "library"},
    "get_schedule_paused": lambda x: {"job_type": "all"},
    "download_scan_data": lambda x: {
        "execution_id": [e for e in x.get("/export/cve/executions")["items"] if e["status"] == "Success"][-1]["id"]
    },
    # creates
    "create_project": lambda x: {"project": {"project_name": "compat", "metadata": {"public": "true"}}},
    "create_label": lambda x: {"label": {"name": "compat-label", "scope": "g", "color": "#FF0000"}},
    "create_registry": lambda x: {"registry": {"name": "compat-registry", "type": "docker-hub", "url": "https://hub.docker.com"}},
    "ping_registry": lambda x: {"registry": {"type": "docker-hub", "url": "https://hub.docker.com"}},
    "create_robot": lambda x: {"robot": {"name": "compat", "level": "system", "duration": 30, "permissions": PERMISSIONS}},
    "create_robot_v1": lambda x: {"robot": {"name": "compatv1", "access": [{"resource": "/project/library/repository", "action": "pull"}]}},
    "create_scanner": lambda x: {"registration": {"name": "compat-scanner", "url": "http://trivy-adapter:8080/compat"}},
    "ping_scanner": lambda x: {"settings": {"name": "compat-ping", "url": "http://trivy-adapter:8080"}},
    "create_user": lambda x: {"user_req": {"username": "compat", "email": "compat@example.com", "realname": "Compat", "password": "Harbor12345x"}},
    "create_user_group": lambda x: {"usergroup": {"group_name": "compat-group", "group_type": 3}},
    "create_webhook_policy_of_project": lambda x: {"policy": WEBHOOK},
    "create_immu_rule": lambda x: {"immutable_rule": IMMUTABLE_RULE},
    "create_project_member": lambda x: {"project_member": {"role_id": 2, "member_user": {"username": "compat"}}},
    "add_project_metadatas": lambda x: {"project_name_or_id": "compat", "metadata": {"auto_scan": "true"}},
    "create_replication_policy": lambda x: {
        "policy": {
            "name": "compat-replication",
            "src_registry": {"id": x.first("/registries")},
            "dest_namespace": "library",
            "trigger": {"type": "manual"},
            "enabled": True,
        }
    },
    "create_retention": lambda x: {
        "policy": {
            "algorithm": "or",
            "rules": [RETENTION_RULE],
            "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
            "scope": {"level": "project", "ref": x.project_id("compat")},
        }
    },
    "create_instance": lambda x: {"instance": {"name": "compat-p2p", "vendor": "dragonfly", "endpoint": "http://dragonfly.example.com", "auth_mode": "NONE", "enabled": True}},
    "ping_instances": lambda x: {"instance": {"id": x.first("/p2p/preheat/instances", name="kraken")}},
    "create_policy": lambda x: {"policy": {"name": "compat-preheat", "project_id": x.project_id("library"), "provider_id": x.first("/p2p/preheat/instances", name="kraken"), "filters": PREHEAT_FILTERS, "trigger": "{\"type\":\"manual\"}", "enabled": True}},
    "manual_preheat": lambda x: {"policy": {"name": "nightly"}},
    "create_gc_schedule": lambda x: {"schedule": {"schedule": {"type": "Manual"}, "parameters": {"dry_run": True}}},
    "create_purge_schedule": lambda x: {"schedule": {"schedule": {"type": "Manual"}, "parameters": PURGE["parameters"]}},
    "create_scan_all_schedule": lambda x: {"schedule": {"schedule": {"type": "Manual"}}},
    "export_scan_data": lambda x: {"criteria": {"job_name": "compat", "projects": [x.project_id("library")]}},
    "create_tag": lambda x: {"tag": {"name": "compat-tag"}},
    "add_label": lambda x: {"label": {"id": x.first("/labels", query={"scope": "g"}, name="compat-label")}},
    "copy_artifact": lambda x: {"repository_name": "alpine", "_from": "library/nginx:1.27"},
    "scan_artifact": lambda x: {},
    "start_replication": lambda x: {"execution": {"policy_id": x.first("/replication/policies", name="compat-replication")}},
    "trigger_retention_execution": lambda x: {"id": x.retention_id("compat"), "body": {"dry_run": True}},
    "import_ldap_user": lambda x: {"uid_list": {"ldap_uid_list": ["carol"]}},
    "ping_ldap": lambda x: {},
    "ping_oidc": lambda x: {"endpoint": {"url": "https://oidc.example.com", "verify_cert": True}},
    # updates
    "update_configurations": lambda x: {"configurations": {"read_only": False}},
    "put_system_cve_allowlist": lambda x: {"allowlist": {"items": [{"cve_id": "CVE-2024-0001"}]}},
    "update_gc_schedule": lambda x: {"schedule": {**SCHEDULE, "parameters": {"dry_run": True}}},
    "update_purge_schedule": lambda x: {"schedule": PURGE},
    "update_scan_all_schedule": lambda x: {"schedule": SCHEDULE},
    # Harbor's UpdateImmuRule refuses a body whose `id` is not the path's, so the rule carries it.
    "update_immu_rule": lambda x: (
        lambda rule_id: {
            "immutable_rule_id": rule_id,
            "immutable_rule": {**IMMUTABLE_RULE, "disabled": True, "id": rule_id},
        }
    )(x.first("/projects/library/immutabletagrules", last=True)),
    # Harbor's UpdateLabel writes the body's name, description and colour over the label's and
    # refuses an empty name (400 `cannot be empty`, Label.Valid in src/pkg/label/model/model.go).
    "update_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label"), "label": {"name": "compat-label", "description": "updated"}},
    "update_project_member": lambda x: {"mid": x.first("/projects/library/members", entity_name="compat"), "role": {"role_id": 3}},
    "update_project": lambda x: {"project_name_or_id": "compat", "project": {"metadata": {"public": "false"}}},
    "update_project_metadata": lambda x: {"project_name_or_id": "compat", "meta_name": "auto_scan", "metadata": {"auto_scan": "false"}},
    "set_scanner_of_project": lambda x: {"payload": {"uuid": x.first("/scanners", key="uuid", name="Trivy")}},
    "update_quota": lambda x: {
        "id": x.get("/quotas", reference="project", reference_id=x.project_id("compat"))[0]["id"],
        "hard": {"hard": {"storage": 1073741824}},
    },
    "update_registry": lambda x: {"id": x.first("/registries", name="compat-registry"), "registry": {"description": "updated"}},
    "update_replication_policy": lambda x: {
        "id": x.first("/replication/policies", name="compat-replication"),
        "policy": {
            "name": "compat-replication",
            "description": "updated",
            "src_registry": {"id": x.first("/registries", name="compat-registry")},
            "dest_namespace": "library",
            "trigger": {"type": "manual"},
            "enabled": True,
        },
    },
    "update_repository": lambda x: {"repository_name": "alpine", "repository": {"description": "compat"}},
    "update_retention": lambda x: {
        "id": x.retention_id("compat"),
        "policy": {
            "algorithm": "or",
            "rules": [RETENTION_RULE],
            "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
            "scope": {"level": "project", "ref": x.project_id("compat")},
        },
    },
    "update_robot": lambda x: {
        "robot_id": x.first("/robots", name="robot$compat"),
        "robot": {"name": "robot$compat", "level": "system", "duration": 60, "permissions": PERMISSIONS},
    },
    "refresh_sec": lambda x: {"robot_id": x.first("/robots", name="robot$compat"), "robot_sec": {"secret": "NewSecret1234"}},
    "update_scanner": lambda x: {
        "registration_id": x.first("/scanners", key="uuid", name="compat-scanner"),
        "registration": {"name": "compat-scanner", "url": "http://trivy-adapter:8080/compat", "description": "updated"},
    },
    "set_scanner_as_default": lambda x: {"registration_id": x.first("/scanners", key="uuid", is_default=True), "payload": {"is_default": True}},
    "update_user_profile": lambda x: {"user_id": x.first("/users", key="user_id", username="compat"), "profile": {"email": "compat2@example.com", "realname": "Compat Two"}},
    "update_user_password": lambda x: {"user_id": x.first("/users", key="user_id", username="compat"), "password": {"old_password": "Harbor12345x", "new_password": "Harbor54321x"}},
    "set_user_sys_admin": lambda x: {"user_id": x.first("/users", key="user_id", username="compat"), "sysadmin_flag": {"sysadmin_flag": True}},
    "set_cli_secret": lambda x: {"user_id": x.first("/users", key="user_id", username="compat"), "secret": {"secret": "NewSecret1234"}},
    "update_user_group": lambda x: {"group_id": x.first("/usergroups", group_name="compat-group"), "usergroup": {"group_name": "compat-group2"}},
    "update_webhook_policy_of_project": lambda x: {
        "webhook_policy_id": x.first("/projects/library/webhook/policies", name="compat-hook"),
        "policy": {**WEBHOOK, "description": "updated"},
    },
    # Harbor updates the instance and the policy of the body's id (`UpdateInstance`, `UpdatePolicy`).
    "update_instance": lambda x: {"preheat_instance_name": "compat-p2p", "instance": {"id": x.first("/p2p/preheat/instances", name="compat-p2p"), "name": "compat-p2p", "vendor": "dragonfly", "endpoint": "http://dragonfly2.example.com", "auth_mode": "NONE", "enabled": True}},
    "update_policy": lambda x: {"preheat_policy_name": "compat-preheat", "policy": {"id": x.first("/projects/library/preheat/policies", name="compat-preheat"), "name": "compat-preheat", "project_id": x.project_id("library"), "provider_id": x.first("/p2p/preheat/instances", name="kraken"), "filters": PREHEAT_FILTERS, "trigger": "{\"type\":\"manual\"}", "enabled": False}},
    "action_pending_jobs": lambda x: {"job_type": "webhook", "action_request": {"action": "pause"}},
    # stops: what the run started
    "stop_gc": lambda x: {"gc_id": x.first("/system/gc")},
    "stop_purge": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "stop_scan_all": lambda x: {},
    "stop_replication": lambda x: {"id": x.first("/replication/executions", policy_id=x.first("/replication/policies", name="compat-replication"))},
    "operate_retention_execution": lambda x: {
        "id": x.retention_id("compat"),
        "eid": x.first(f"/retentions/{x.retention_id('compat')}/executions"),
        "body": {"action": "stop"},
    },
    "stop_execution": lambda x: {"execution_id": x.preheat_execution(), "execution": {"status": "Stopped"}},
    "stop_scan_artifact": lambda x: {"scan_type": {"scan_type": "vulnerability"}},
    "stop_running_job": lambda x: {"job_id": x.job_id()},
    # deletes: what the run created
    "remove_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label")},
    "delete_tag": lambda x: {"tag_name": "compat-tag"},
    "delete_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label")},
    "delete_project": lambda x: {"project_name_or_id": "compat"},
    "delete_immu_rule": lambda x: {"immutable_rule_id": x.first("/projects/library/immutabletagrules", last=True)},
    "delete_project_metadata": lambda x: {"project_name_or_id": "compat", "meta_name": "auto_scan"},
    "delete_project_member": lambda x: {"mid": x.first("/projects/library/members", entity_name="compat")},
    "delete_registry": lambda x: {"id": x.first("/registries", name="compat-registry")},
    "delete_replication_policy": lambda x: {"id": x.first("/replication/policies", name="compat-replication")},
    "delete_repository": lambda x: {"repository_name": "alpine"},
    "delete_artifact": lambda x: {"repository_name": "alpine", "reference": "3.20"},
    "delete_retention": lambda x: {"id": x.retention_id("compat")},
    "delete_robot": lambda x: {"robot_id": x.first("/robots", name="robot$compat")},
    "delete_robot_v1": lambda x: {"robot_id": x.first("/robots")},
    "update_robot_v1": lambda x: {"robot_id": x.first("/robots"), "robot": {"disable": False}},
    "delete_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid", name="compat-scanner")},
    "delete_user": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "delete_user_group": lambda x: {"group_id": x.first("/usergroups", group_name="compat-group2")},
    "delete_webhook_policy_of_project": lambda x: {"webhook_policy_id": x.first("/projects/library/webhook/policies", name="compat-hook")},
    "delete_instance": lambda x: {"preheat_instance_name": "compat-p2p"},
    "delete_policy": lambda x: {"preheat_policy_name": "compat-preheat"},
}


def wait_for_scans_to_end(x: Lookup) -> None:
    """Waits (up to 60 s) until no scan of nginx:latest is pending or running. The run's own
    `create_scan_all_schedule` (a manual scan-all) has queued one, and Harbor refuses a scan of
    an artifact whose previous scan has not ended: 409 `a previous scan process is Pending`
    (`src/pkg/scan/vulnerability/vul.go`)."""
    deadline = time.monotonic() + 60
    while True:
        a = x.get("/projects/library/repositories/nginx/artifacts/latest", with_scan_overview="true")
        statuses = [o.get("scan_status") for o in (a.get("scan_overview") or {}).values()]
        if not any(s in ("Pending", "Running", "Scheduled") for s in statuses):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nginx:latest still scanning after 60 s: {statuses}")
        time.sleep(0.2)


# Steps a call needs first that no earlier operation of the run provides.
PREPARE: dict[str, Callable[[Lookup], None]] = {
    "scan_artifact": wait_for_scans_to_end,
    # The demo's rule makes `library`'s 1.* tags immutable, and the run's copy of nginx:1.27
    # may have put one in the repository it deletes; Harbor refuses to delete a repository
    # holding one (412, CONFORMANCE RP7): delete the rule first.
    "delete_repository": lambda x: x.delete(
        f"/projects/library/immutabletagrules/{x.first('/projects/library/immutabletagrules')}"
    ),
}

# Deletes of what others depend on come last, in this order.
LAST = ("delete_artifact", "delete_repository", "delete_project", "delete_registry", "delete_user")
PHASE = {"GET": 0, "HEAD": 0, "POST": 1, "PATCH": 2, "PUT": 2, "DELETE": 4}
STOPS = ("stop_", "operate_retention_execution")


def operations() -> list[dict[str, Any]]:
    """Every operation of the generated client: its API class, method, HTTP method and path."""
    ops = []
    for name in dir(harbor_client):
        cls = getattr(harbor_client, name)
        if not (inspect.isclass(cls) and name.endswith("Api")):
            continue
        for method, fn in inspect.getmembers(cls, inspect.isfunction):
            if not method.endswith("_with_http_info"):
                continue
            src = inspect.getsource(fn)
            call = re.search(r"call_api\(\s*'([^']+)', '(\w+)'", src)
            required = re.findall(r"Missing the required parameter `(\w+)`", src)
            response = re.search(r"response_type='([^']+)'", src)
            ops.append(
                {
                    "api": name,
                    "name": method[: -len("_with_http_info")],
                    "path": call.group(1),
                    "method": call.group(2),
                    "required": required,
                    "response": response.group(1) if response else None,
                }
            )
    return ops


def order_key(op: dict[str, Any]) -> tuple[float, int, str]:
    phase: float = PHASE[op["method"]]
    if op["name"].startswith(STOPS):
        phase = 3
    # Harbor deletes an export once it is downloaded: after every other read of it.
    if op["name"] == "download_scan_data":
        phase = 3.5
    # Detach before the label itself goes.
    if op["name"] == "remove_label":
        phase = 3.9
    last = LAST.index(op["name"]) + 1 if op["name"] in LAST else 0
    first = 0 if op["name"] in ("create_project", "create_label", "create_registry", "create_user") else 1
    return (phase, last, f"{first}{op['name']}")


def emptiness(value: Any) -> str | None:
    """Why a successful answer is hollow, or None when it is filled in."""
    if value is None:
        return "no body"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        hollow = [emptiness(v) for v in value]
        return next((h for h in hollow if h), None)
    if hasattr(value, "to_dict"):
        fields = {k: v for k, v in value.to_dict().items() if v not in (None, [], {}, "")}
        return None if fields else "a model with no field set"
    if isinstance(value, (str, bytes)) and not value:
        return "empty text"
    return None


def run(op: dict[str, Any], client: harbor_client.ApiClient, lookup: Lookup) -> dict[str, Any]:
    name = op["name"]
    try:
        if name in PREPARE:
            PREPARE[name](lookup)
        args = {p: BY_NAME[p] for p in op["required"] if p in BY_NAME}
        args.update(ARGUMENTS.get(name, lambda _: {})(lookup))
    except Exception as e:  # a lookup that found nothing: the run's fault or the simulator's
        return {"result": "error", "status": None, "detail": f"arguments: {e}"}
    missing = [p for p in op["required"] if p not in args]
    if missing:
        return {"result": "error", "status": None, "detail": f"no value for {missing}"}
    api = getattr(harbor_client, op["api"])(client)
    try:
        data, status, _headers = getattr(api, name + "_with_http_info")(**args)
    except ApiException as e:
        refused = HARBOR_REFUSES.get(name)
        if refused and refused[0] == e.status:
            return {"result": "refused", "status": e.status, "detail": f"{refused[1]}: {refused[2]}"}
        return {"result": "error", "status": e.status, "detail": (e.body or b"")[:300]}
    except Exception as e:  # the client could not read the answer into its model
        detail = f"{type(e).__name__}: {e}"
        unreadable = CLIENT_CANNOT_READ.get(name)
        if unreadable and detail.startswith(unreadable[0]):
            return {"result": "unreadable", "status": None, "detail": f"{unreadable[1]}: {unreadable[2]}"}
        return {"result": "error", "status": None, "detail": detail[:300]}
    if name in HARBOR_REFUSES:
        return {"result": "error", "status": status, "detail": "Harbor refuses this, the simulator answered 2xx"}
    if name in CLIENT_CANNOT_READ:
        return {"result": "error", "status": status, "detail": "Harbor's answer is one this client cannot read; the simulator's was read"}
    hollow = emptiness(data) if op["response"] else None
    if hollow and name in HARBOR_ANSWERS_EMPTY:
        return {"result": "ok", "status": status, "detail": f"empty as Harbor: {HARBOR_ANSWERS_EMPTY[name]}"}
    if hollow:
        return {"result": "empty", "status": status, "detail": hollow}
    return {"result": "ok", "status": status, "detail": ""}


RESULTS = ("ok", "empty", "refused", "unreadable", "error")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:18112")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    api = args.url.rstrip("/") + "/api/v2.0"
    config = harbor_client.Configuration()
    config.host = api
    config.username, config.password = ADMIN
    client = harbor_client.ApiClient(config)
    lookup = Lookup(api)
    results = []
    for op in sorted(operations(), key=order_key):
        outcome = run(op, client, lookup)
        results.append({"operation": op["name"], "method": op["method"], "path": op["path"], **outcome})
        detail = outcome["detail"]
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        print(f"{outcome['result']:8} {outcome['status'] or '-':>4} {op['method']:6} {op['name']} {detail}")
    counts = {r: sum(1 for x in results if x["result"] == r) for r in RESULTS}
    print(f"\n{len(results)} operations: " + ", ".join(f"{counts[r]} {r}" for r in RESULTS))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0 if counts["empty"] == 0 and counts["error"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
