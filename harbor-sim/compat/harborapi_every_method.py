"""Runs every coroutine method of Python `harborapi`'s HarborAsyncClient, unchanged, against a
fresh harbor-sim, and reports per method: ok, empty, refused (as real Harbor refuses) or error.

`cargo test` runs it against an in-process simulator when a Python with harborapi is at hand
(`tests/third_party_clients.rs`; CI installs it); see README.md beside this file.

    python harborapi_every_method.py --url http://127.0.0.1:18111 [--json results.json]

Arguments are chosen per parameter name (the demo data's names) and bodies per model type;
every id is looked up from the simulator right before the call that needs it (`Lookup`), so a
call gets what exists at that moment. Methods run in phases, reads first, then creates,
attaches, updates, stops, downloads and deletes, so later calls find what earlier ones made
and deletes remove what the run created, not the demo data. Exit status: 0 when no method
ends in `error` or `empty`.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
from typing import Any, Callable

import httpx
from pydantic import BaseModel

from harborapi import HarborAsyncClient
from harborapi import models as m
from harborapi.exceptions import StatusError
from harborapi.models.file import FileResponse

ADMIN = ("admin", "Harbor12345")

# The host of the scanner adapter the run registers (made reachable first, see `PREPARE`).
COMPAT_SCANNER_HOST = "compat-scanner-adapter"

# Methods real Harbor refuses with the arguments harborapi can send, whatever the server's
# state: method -> (status, the Harbor source that decides it, why).
HARBOR_REFUSES: dict[str, tuple[int, str, str]] = {
    **{
        name: (
            404,
            "api/v2.0/swagger.yaml",
            "harborapi's v1 robot paths (/projects/{project_name_or_id}/robots) are not in Harbor's "
            "v2.0 API; go-swagger's router answers 404 for a path it does not serve",
        )
        for name in ("get_robots_v1", "get_robot_v1", "create_robot_v1", "update_robot_v1", "delete_robot_v1")
    },
    "set_user_cli_secret": (
        412,
        "src/server/v2.0/handler/user.go",
        "requireForCLISecret: the CLI secret can only be set when the auth mode is oidc_auth "
        "(a fresh Harbor, as the simulator, runs db_auth)",
    ),
    "get_system_certificate": (
        404,
        "src/controller/systeminfo/controller.go",
        "GetCA: 404 when Harbor has no CA file of its own, as a Harbor installed without one "
        "(the simulator's /systeminfo says has_ca_root: false)",
    ),
    "import_ldap_users": (
        404,
        "src/pkg/ldap/manager.go, src/core/auth/db/db.go",
        "ImportUser onboards each found uid through the current auth mode; under db_auth (the "
        "demo's, which Harbor keeps once users exist) OnBoardUser sets no user id, so every uid "
        "fails and the answer is 404 with the failed list",
    ),
    "start_retention_execution": (
        422,
        "go-openapi runtime middleware/validation.go (responseFormat), api/v2.0/swagger.yaml",
        "triggerRetentionExecution produces only text/plain; harborapi asks for `Accept: "
        "application/json`, which go-openapi's negotiation refuses before the handler runs: "
        "`unsupported media type requested, only [text/plain] are available`",
    ),
    "enable_project_immutable_tagrule": (
        400,
        "src/server/v2.0/handler/immutable.go",
        "UpdateImmuRule refuses a body whose id is not the path's (`the immutable_rule_id doesn't "
        "match the id in the payload body of ImmutableRule`); harborapi sends only "
        "`{\"disabled\": ..}`, whose id is 0",
    ),
    "stop_artifact_scan": (
        422,
        "api/v2.0/swagger.yaml",
        "stopScanArtifact's body (`scanType`) is required; harborapi sends no body, so "
        "go-swagger's binding refuses it before the handler runs",
    ),
}

# Methods whose answer departs from Harbor's on purpose, as the simulator's docs say:
# method -> (what harborapi gets, where it is documented and why). Reported as ok.
SIMULATOR_DEPARTS: dict[str, str] = {
    **{
        name: "README.md: a periodic schedule answers 201 without Harbor's `Location: .../0` "
        "(gc.go, purge.go), which names no run, so harborapi's returned location is ''"
        for name in ("create_gc_schedule", "create_purge_job_schedule")
    },
}

# Methods whose answer real Harbor sends empty on a fresh instance too: method -> why.
HARBOR_ANSWERS_EMPTY: dict[str, str] = {
    "create_scan_all_schedule": "src/server/v2.0/handler/scan_all.go: CreateScanAllSchedule answers 201 "
    "without a Location (GC and purge name one), so harborapi's returned location is ''",
    "create_artifact_tag": "src/server/v2.0/handler/artifact.go: CreateTag answers 201 without a "
    "Location, so harborapi's returned location is ''",
    "refresh_robot_secret": "src/server/v2.0/handler/robot.go: RefreshSec answers a secret of the "
    "caller's choosing (harborapi always sends one) with robotSec.Secret = \"\", which go-swagger's "
    "omitempty leaves out: `{}`, so harborapi's RobotSec has no field set",
}


class Lookup:
    """Ids and names read from the simulator with plain HTTP, at the moment a call needs them."""

    def __init__(self, api: str) -> None:
        self.http = httpx.Client(base_url=api, auth=ADMIN, timeout=10)
        # the simulator's admin endpoint (`/_sim`, beside `/api/v2.0`)
        self.sim = api.removesuffix("/api/v2.0") + "/_sim"

    def reachable(self, host: str) -> None:
        """Makes `host` one the simulated Harbor reaches (`PUT /_sim/reachable/{host}`), as in a
        Harbor whose network runs that service."""
        self.http.put(f"{self.sim}/reachable/{host}").raise_for_status()

    def get(self, path: str, **params: Any) -> Any:
        # Harbor checks a CSRF token on any request that carries its session cookie: send none.
        self.http.cookies.clear()
        r = self.http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def first(
        self, path: str, key: str = "id", last: bool = False, query: dict[str, Any] | None = None, **match: Any
    ) -> Any:
        """`key` of the first (or last) item of a list (asked with `query`) whose fields equal `match`."""
        items = self.get(path, page_size=100, **(query or {}))
        if isinstance(items, dict):  # `/export/cve/executions` wraps its list in `items`
            items = items.get("items") or []
        found = [i for i in items if all(i.get(k) == v for k, v in match.items())]
        if not found:
            raise LookupError(f"nothing in {path} with {match or 'any fields'}")
        return found[-1 if last else 0][key]

    def quota_id(self, project: str) -> int:
        quotas = self.get("/quotas", reference="project", reference_id=self.project_id(project))
        if not quotas:
            raise LookupError(f"no quota for project {project}")
        return quotas[0]["id"]

    def project_id(self, name: str) -> int:
        return self.get(f"/projects/{name}")["project_id"]

    def artifact(self) -> dict[str, Any]:
        return self.get("/projects/library/repositories/nginx/artifacts/latest", with_scan_overview="true")

    def report_id(self) -> str:
        overview = self.artifact().get("scan_overview") or {}
        return next(iter(overview.values()))["report_id"]

    def retention_id(self, project: str = "library") -> int:
        return int(self.get(f"/projects/{project}")["metadata"]["retention_id"])

    def retention_execution(self) -> int:
        return self.first(f"/retentions/{self.retention_id()}/executions")

    def retention_task(self) -> int:
        return self.first(f"/retentions/{self.retention_id()}/executions/{self.retention_execution()}/tasks")

    def replication_execution(self, policy: str | None = None) -> int:
        """The newest replication execution (Harbor lists them newest first), of `policy` when named."""
        query = {"policy_id": self.first("/replication/policies", name=policy)} if policy else None
        return self.first("/replication/executions", query=query)

    def robot(self, name: str) -> dict[str, Any]:
        robots = [r for r in self.get("/robots", page_size=100) if r["name"] == name]
        if not robots:
            raise LookupError(f"no robot {name}")
        return robots[0]

    def put(self, path: str, body: Any) -> None:
        self.http.cookies.clear()
        self.http.put(path, json=body).raise_for_status()

    def post(self, path: str, body: Any) -> None:
        self.http.cookies.clear()
        self.http.post(path, json=body).raise_for_status()

    def delete(self, path: str) -> None:
        self.http.cookies.clear()
        self.http.delete(path).raise_for_status()


def by_name() -> dict[str, Any]:
    """Argument values by parameter name, for what needs no lookup."""
    return {
        "project_name": "library",
        "project_name_or_id": "library",
        "repository_name": "nginx",
        "reference": "latest",
        "tag_name": "latest",
        "source": "library/nginx:1.27",
        "username": "alice",
        "username_or_id": "alice",
        "group_name": "dev",
        "ldap_group_dn_or_id": "cn=dev,ou=groups,dc=example,dc=com",
        "metadata_name": "public",
        "new_password": "Harbor54321x",
        "secret": "NewSecret1234",
        "is_admin": True,
        "query": "lib",
        "role_id": 2,
        "user_ids": ["carol"],
    }


def schedule(kind: str = "Daily", **parameters: Any) -> m.Schedule:
    return m.Schedule(schedule=m.ScheduleObj(type=kind, cron="0 0 0 * * *"), parameters=parameters or None)


PURGE_PARAMETERS = {"audit_retention_hour": 168, "dry_run": True, "include_event_types": "create_artifact"}


def robot_permissions(namespace: str = "library") -> list[m.RobotPermission]:
    return [
        m.RobotPermission(
            kind="project", namespace=namespace, access=[m.Access(resource="repository", action="pull")]
        )
    ]


def bodies() -> dict[str, Any]:
    """Request bodies by the parameter's model type."""
    return {
        "ProjectReq": m.ProjectReq(project_name="compat", metadata=m.ProjectMetadata(public="true")),
        "ProjectMetadata": m.ProjectMetadata(auto_scan="true"),
        "Union[ProjectMetadata, Dict[str, Any]]": {"auto_scan": "true"},
        "ProjectMember": m.ProjectMember(role_id=2, member_user=m.UserEntity(username="bob")),
        "Union[RoleRequest, int]": m.RoleRequest(role_id=3),
        "Label": m.Label(name="compat-label", scope="g", color="#FF0000"),
        "RobotCreate": m.RobotCreate(
            name="compat", level="system", duration=30, permissions=robot_permissions()
        ),
        "RobotCreateV1": m.RobotCreateV1(
            name="compatv1", access=[m.Access(resource="/project/library/repository", action="pull")]
        ),
        "Robot": m.Robot(name="robot$compat", level="system", duration=60, permissions=robot_permissions()),
        "Registry": m.Registry(name="compat-registry", type="docker-hub", url="https://hub.docker.com"),
        "RegistryUpdate": m.RegistryUpdate(description="updated"),
        "RegistryPing": m.RegistryPing(type="docker-hub", url="https://hub.docker.com"),
        "RetentionPolicy": m.RetentionPolicy(
            algorithm="or",
            rules=[
                m.RetentionRule(
                    action="retain",
                    template="latestPushedK",
                    params={"latestPushedK": 5},
                    tag_selectors=[m.RetentionSelector(kind="doublestar", decoration="matches", pattern="**")],
                    scope_selectors={
                        "repository": [m.RetentionSelector(kind="doublestar", decoration="repoMatches", pattern="**")]
                    },
                )
            ],
            trigger=m.RetentionRuleTrigger(kind="Schedule", settings={"cron": ""}),
        ),
        "WebhookPolicy": m.WebhookPolicy(
            name="compat-hook",
            enabled=True,
            event_types=["PUSH_ARTIFACT"],
            targets=[m.WebhookTargetObject(type="http", address="http://127.0.0.1:9/hook")],
        ),
        "ImmutableRule": m.ImmutableRule(
            action="immutable",
            template="immutable_template",
            tag_selectors=[m.ImmutableSelector(kind="doublestar", decoration="matches", pattern="v*")],
            scope_selectors={
                "repository": [m.ImmutableSelector(kind="doublestar", decoration="repoMatches", pattern="**")]
            },
        ),
        # Harbor's CreateRegistration (src/controller/scanner/base_controller.go) pings the
        # adapter first, an unreachable one being its 500; `PREPARE` makes this host reachable.
        # Not the Trivy adapter's URL: a registration's url is unique (409).
        "ScannerRegistrationReq": m.ScannerRegistrationReq(name="compat-scanner", url=f"http://{COMPAT_SCANNER_HOST}:8080"),
        # The demo's Trivy adapter is the scanner endpoint the simulated Harbor reaches.
        "ScannerRegistrationSettings": m.ScannerRegistrationSettings(name="compat-ping", url="http://trivy-adapter:8080"),
        "UserCreationReq": m.UserCreationReq(
            username="compat", email="compat@example.com", realname="Compat", password="Harbor12345x"
        ),
        "UserProfile": m.UserProfile(email="alice2@example.com", realname="Alice Two"),
        "UserGroup": m.UserGroup(group_name="compat-group", group_type=3),
        "QuotaUpdateReq": m.QuotaUpdateReq(hard={"storage": 1073741824}),
        "Repository": m.Repository(description="compat"),
        "Tag": m.Tag(name="compat-tag"),
        "CVEAllowlist": m.CVEAllowlist(items=[m.CVEAllowlistItem(cve_id="CVE-2024-0001")]),
        "Configurations": m.Configurations(read_only=False),
        "Schedule": schedule(),
        "OIDCTestReq": m.OIDCTestReq(url="https://oidc.example.com", verify_cert=True),
    }


def retention_for(project_id: int) -> m.RetentionPolicy:
    policy = bodies()["RetentionPolicy"]
    policy.scope = m.RetentionPolicyScope(level="project", ref=project_id)
    return policy


# Per-method arguments, computed right before the call: ids the run looks up, optional
# arguments a call needs, and writes aimed at what the run created rather than at demo data.
Arguments = Callable[[Lookup], dict[str, Any]]
ARGUMENTS: dict[str, Arguments] = {
    # reads of the demo data
    "get_artifact_scan_report_log": lambda x: {"report_id": x.report_id()},
    "get_current_user_permissions": lambda x: {"scope": f"/project/{x.project_id('library')}", "relative": True},
    "get_gc_job": lambda x: {"gc_id": x.first("/system/gc")},
    "get_gc_log": lambda x: {"gc_id": x.first("/system/gc")},
    "get_icon": lambda x: {"digest": x.artifact()["icon"]},
    # Harbor requires the label scope (`invalid scope: ` otherwise); harborapi sends none by default
    "get_labels": lambda x: {"scope": "g"},
    "get_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"})},
    "get_project_member": lambda x: {"member_id": x.first("/projects/library/members")},
    "get_purge_job": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "get_purge_job_log": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "get_quota": lambda x: {"id": x.quota_id("library")},
    "get_registry": lambda x: {"id": x.first("/registries")},
    "get_registry_info": lambda x: {"id": x.first("/registries")},
    "get_replication": lambda x: {"execution_id": x.replication_execution()},
    "get_replication_policy": lambda x: {"policy_id": x.first("/replication/policies")},
    "get_replication_tasks": lambda x: {"execution_id": x.replication_execution()},
    "get_replication_task_log": lambda x: {
        "execution_id": x.replication_execution(),
        "task_id": x.first(f"/replication/executions/{x.replication_execution()}/tasks"),
    },
    "get_retention_executions": lambda x: {"retention_id": x.retention_id()},
    "get_retention_policy": lambda x: {"retention_id": x.retention_id()},
    "get_retention_tasks": lambda x: {"retention_id": x.retention_id(), "execution_id": x.retention_execution()},
    "get_retention_execution_task_log": lambda x: {
        "retention_id": x.retention_id(),
        "execution_id": x.retention_execution(),
        "task_id": x.retention_task(),
    },
    "get_robot": lambda x: {"robot_id": x.first("/robots")},
    **{
        name: (lambda x: {"robot_id": x.first("/robots")})
        for name in ("get_robot_v1", "update_robot_v1", "delete_robot_v1")
    },
    "get_scan_export": lambda x: {"execution_id": x.first("/export/cve/executions")},
    "get_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid")},
    "get_scanner_metadata": lambda x: {"registration_id": x.first("/scanners", key="uuid")},
    "get_user": lambda x: {"user_id": x.first("/users", key="user_id", username="alice")},
    "get_usergroup": lambda x: {"group_id": x.first("/usergroups")},
    # the demo's webhook policy lives in project `demo`
    "get_webhook_jobs": lambda x: {
        "project_name_or_id": "demo",
        "policy_id": x.first("/projects/demo/webhook/policies"),
    },
    "get_webhook_policies": lambda x: {"project_name_or_id": "demo"},
    "get_webhook_policy": lambda x: {
        "project_name_or_id": "demo",
        "webhook_policy_id": x.first("/projects/demo/webhook/policies"),
    },
    "get_webhook_policy_last_trigger": lambda x: {"project_name_or_id": "demo"},
    # people and groups of the simulated LDAP directory (handlers/ldap.rs)
    "search_ldap_groups": lambda x: {"group_name": "dev"},
    "search_ldap_users": lambda x: {"username": "carol"},
    # harborapi's default (no configuration) sends no body: Harbor's PingLdap
    # (src/server/v2.0/handler/ldap.go) then reads the fields of a nil params.Ldapconf and
    # panics, a bare 500. Ping as a user tests settings: the demo's LDAP server and search
    # account (state/seed.rs, state/ldap_directory.rs).
    "ping_ldap": lambda x: {
        "configuration": m.LdapConf(
            ldap_url="ldap://ldap.example.com",
            ldap_base_dn="dc=example,dc=com",
            ldap_search_dn="cn=admin,dc=example,dc=com",
            ldap_search_password="secret",
            ldap_uid="uid",
            ldap_scope=2,
        )
    },
    # creates
    "create_purge_job_schedule": lambda x: {"schedule": schedule(**PURGE_PARAMETERS)},
    "create_replication_policy": lambda x: {
        "policy": m.ReplicationPolicy(
            name="compat-replication",
            src_registry=m.Registry(id=x.first("/registries")),
            dest_namespace="library",
            trigger=m.ReplicationTrigger(type="manual"),
            enabled=True,
        )
    },
    # `library` has a retention policy in the demo data; one project has at most one
    "create_retention_policy": lambda x: {"policy": retention_for(x.project_id("compat"))},
    "export_scan_data": lambda x: {
        "criteria": m.ScanDataExportRequest(job_name="compat", projects=[x.project_id("library")])
    },
    # attaches
    "add_artifact_label": lambda x: {"label": m.Label(id=x.first("/labels", query={"scope": "g"}, name="compat-label"))},
    # alice is a member of `library` in the demo data; the user the run created is not
    "add_project_member_user": lambda x: {"username_or_id": "compat"},
    "copy_artifact": lambda x: {"repository_name": "alpine", "source": "library/nginx:1.27"},
    "set_default_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid", is_default=True)},
    "set_project_scanner": lambda x: {"scanner_uuid": x.first("/scanners", key="uuid", name="Trivy")},
    "set_user_admin": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "set_user_cli_secret": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "set_user_password": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "start_replication": lambda x: {"policy_id": x.first("/replication/policies", name="compat-replication")},
    "start_retention_execution": lambda x: {"retention_id": x.retention_id("compat")},
    # updates
    "enable_project_immutable_tagrule": lambda x: {
        "immutable_rule_id": x.first("/projects/library/immutabletagrules", last=True)
    },
    "refresh_robot_secret": lambda x: {"robot_id": x.robot("robot$compat")["id"]},
    "update_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label")},
    "update_project": lambda x: {"project_name_or_id": "compat"},
    # Harbor's UpdateImmuRule refuses a body whose `id` is not the path's, so the rule carries it.
    "update_project_immutable_tag_rule": lambda x: (
        lambda rule_id: {
            "immutable_rule_id": rule_id,
            "rule": bodies()["ImmutableRule"].model_copy(update={"id": rule_id}),
        }
    )(x.first("/projects/library/immutabletagrules", last=True)),
    "update_project_member_role": lambda x: {"member_id": x.first("/projects/library/members", entity_name="bob")},
    "update_project_metadata_entry": lambda x: {"project_name_or_id": "compat", "metadata": {"public": "false"}},
    "update_purge_job_schedule": lambda x: {"schedule": schedule("Weekly", **PURGE_PARAMETERS)},
    "update_quota": lambda x: {"id": x.quota_id("compat")},
    "update_registry": lambda x: {"id": x.first("/registries", name="compat-registry")},
    "update_replication_policy": lambda x: {
        "policy_id": x.first("/replication/policies", name="compat-replication"),
        "policy": m.ReplicationPolicy(
            name="compat-replication",
            description="updated",
            src_registry=m.Registry(id=x.first("/registries", name="compat-registry")),
            dest_namespace="library",
            trigger=m.ReplicationTrigger(type="manual"),
            enabled=True,
        ),
    },
    "update_repository": lambda x: {"repository_name": "alpine"},
    "update_retention_policy": lambda x: {
        "retention_id": x.retention_id("compat"),
        "retention": retention_for(x.project_id("compat")),
    },
    "update_robot": lambda x: {"robot_id": x.robot("robot$compat")["id"]},
    "update_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid", name="compat-scanner")},
    "update_user": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "update_usergroup": lambda x: {"group_id": x.first("/usergroups", group_name="compat-group")},
    "update_webhook_policy": lambda x: {
        "webhook_policy_id": x.first("/projects/library/webhook/policies", name="compat-hook")
    },
    # stops: the runs the run started
    "stop_purge_job": lambda x: {"purge_id": x.first("/system/purgeaudit")},
    "stop_replication": lambda x: {"execution_id": x.replication_execution(policy="compat-replication")},
    "stop_retention_execution": lambda x: {
        "retention_id": x.retention_id("compat"),
        "execution_id": x.first(f"/retentions/{x.retention_id('compat')}/executions"),
    },
    # downloads
    "download_scan_export": lambda x: {
        "execution_id": x.first("/export/cve/executions", user_name="admin", status="Success", last=True)
    },
    # deletes: what the run created
    "delete_artifact_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label")},
    "delete_artifact_tag": lambda x: {"tag_name": "compat-tag"},
    "delete_label": lambda x: {"label_id": x.first("/labels", query={"scope": "g"}, name="compat-label")},
    "delete_project": lambda x: {"project_name_or_id": "compat"},
    "delete_project_immutable_tag_rule": lambda x: {
        "immutable_rule_id": x.first("/projects/library/immutabletagrules", last=True)
    },
    "delete_project_metadata_entry": lambda x: {"metadata_name": "auto_scan"},
    "delete_registry": lambda x: {"id": x.first("/registries", name="compat-registry")},
    "delete_replication_policy": lambda x: {"policy_id": x.first("/replication/policies", name="compat-replication")},
    "delete_repository": lambda x: {"repository_name": "alpine"},
    "delete_retention_policy": lambda x: {"retention_id": x.retention_id("compat")},
    "delete_robot": lambda x: {"robot_id": x.robot("robot$compat")["id"]},
    "delete_scanner": lambda x: {"registration_id": x.first("/scanners", key="uuid", name="compat-scanner")},
    "delete_user": lambda x: {"user_id": x.first("/users", key="user_id", username="compat")},
    "delete_usergroup": lambda x: {"group_id": x.first("/usergroups", group_name="compat-group")},
    "delete_webhook_policy": lambda x: {
        "webhook_policy_id": x.first("/projects/library/webhook/policies", name="compat-hook")
    },
    "remove_project_member": lambda x: {"member_id": x.first("/projects/library/members", entity_name="bob")},
}

# Steps a call needs first that no harborapi method of an earlier phase provides.
PREPARE: dict[str, Callable[[Lookup], None]] = {
    # Harbor keeps one scan-all schedule and refuses a second (412): clear the demo's first,
    # as Harbor's API does it (a schedule of type None).
    "create_scan_all_schedule": lambda x: x.put("/system/scanAll/schedule", {"schedule": {"type": "None"}}),
    # Harbor pings an adapter before registering it (CreateRegistration): the run's adapter runs.
    "create_scanner": lambda x: x.reachable(COMPAT_SCANNER_HOST),
    # harborapi cannot start one (start_retention_execution is refused, see HARBOR_REFUSES):
    # start the run to stop over plain HTTP, which asks for no media type.
    "stop_retention_execution": lambda x: x.post(f"/retentions/{x.retention_id('compat')}/executions", {"dry_run": True}),
    # The run copied nginx:1.27 into alpine, and the demo's rule makes `library`'s 1.* tags
    # immutable; Harbor refuses to delete a repository holding one (412, CONFORMANCE RP7):
    # delete the rule first.
    "delete_repository": lambda x: x.delete(
        f"/projects/library/immutabletagrules/{x.first('/projects/library/immutabletagrules')}"
    ),
}

# Deletes of what others depend on come last, in this order.
LAST = ("delete_artifact", "delete_repository", "delete_project", "delete_registry", "delete_user")

PHASES = [
    ("read", ("get_", "search", "ping", "health_check", "project_exists", "check_")),
    ("create", ("create_", "import_", "export_", "test_")),
    ("attach", ("add_", "copy_", "set_", "scan_", "start_")),
    ("update", ("update_", "refresh_", "enable_")),
    ("stop", ("stop_",)),
    ("download", ("download_",)),
    ("delete", ("delete_", "remove_")),
]


def phase_of(name: str) -> int:
    for i, (_, prefixes) in enumerate(PHASES):
        if name.startswith(prefixes):
            return i
    return 2


def order_key(name: str) -> tuple[int, int, str]:
    last = LAST.index(name) + 1 if name in LAST else 0
    # the project `compat` must exist before the retention policy made for it
    return (phase_of(name), last, "" if name == "create_project" else name)


def emptiness(value: Any) -> str | None:
    """Why a successful answer is hollow, or None when it is filled in."""
    if isinstance(value, FileResponse):
        return None if value.content else "no content"
    if isinstance(value, BaseModel):
        return None if value.model_dump(exclude_none=True) else "model with no field set"
    if isinstance(value, dict):
        return None if value else "{}"
    if isinstance(value, list):
        hollow = [i for i, v in enumerate(value) if emptiness(v)]
        return f"items {hollow} are empty" if hollow else None
    if isinstance(value, str):
        return None if value else "empty string"
    return None


def describe(value: Any) -> str:
    if isinstance(value, FileResponse):
        return f"file {value.content_type}, {len(value.content)} bytes"
    if isinstance(value, list):
        return f"list of {len(value)}"
    if isinstance(value, str):
        return f"str {value[:60]!r}"
    return type(value).__name__


def classify(name: str, status: int | None, detail: str) -> dict[str, Any]:
    refusal = HARBOR_REFUSES.get(name)
    if refusal and status == refusal[0]:
        return {"method": name, "result": "refused", "detail": f"{detail} (as Harbor: {refusal[1]})"}
    return {"method": name, "result": "error", "detail": detail}


async def call(client: HarborAsyncClient, lookup: Lookup, name: str) -> dict[str, Any]:
    method = getattr(client, name)
    try:
        if name in PREPARE:
            PREPARE[name](lookup)
        kwargs = ARGUMENTS[name](lookup) if name in ARGUMENTS else {}
    except (LookupError, KeyError, httpx.HTTPError) as e:
        return {"method": name, "result": "error", "detail": f"not called: arguments not found ({e})"}
    fixed, models = by_name(), bodies()
    missing = []
    for p in inspect.signature(method).parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.default is not inspect.Parameter.empty:
            continue
        if p.name in kwargs:
            continue
        annotation = str(p.annotation)
        if p.name == "role":
            kwargs[p.name] = models["Union[RoleRequest, int]"]
        elif annotation in models:
            kwargs[p.name] = models[annotation]
        elif p.name in fixed:
            kwargs[p.name] = fixed[p.name]
        else:
            missing.append(f"{p.name}: {annotation}")
    if missing:
        return {"method": name, "result": "error", "detail": f"not called: no value for {missing}"}
    try:
        value = await method(**kwargs)
    except StatusError as e:
        status = getattr(e, "status_code", None)
        messages = "; ".join(str(getattr(x, "message", x)) for x in (getattr(e, "errors", None) or []))
        return classify(name, status, f"{status}: {(messages or str(e)).strip()}")
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        return {"method": name, "result": "error", "detail": f"{type(e).__name__}: {e}"[:300]}
    if isinstance(value, FileResponse) and value.response.status_code >= 300:
        # harborapi's get_file does not check the status
        status = value.response.status_code
        return classify(name, status, f"{status}: {value.response.text.strip()}")
    if name in HARBOR_REFUSES:
        return {"method": name, "result": "error", "detail": f"succeeded where Harbor refuses: {describe(value)}"}
    hollow = emptiness(value)
    if hollow and name in SIMULATOR_DEPARTS:
        return {"method": name, "result": "ok", "detail": f"{describe(value)}: {hollow}, a documented departure"}
    if hollow and name not in HARBOR_ANSWERS_EMPTY:
        return {"method": name, "result": "empty", "detail": f"{describe(value)}: {hollow}"}
    if hollow:
        return {"method": name, "result": "ok", "detail": f"{describe(value)}: {hollow}, as Harbor answers"}
    return {"method": name, "result": "ok", "detail": describe(value)}


async def run(url: str) -> list[dict[str, Any]]:
    api = url.rstrip("/") + "/api/v2.0"
    client = HarborAsyncClient(url=api, username=ADMIN[0], secret=ADMIN[1])
    lookup = Lookup(api)
    methods = sorted(
        (n for n, _ in inspect.getmembers(HarborAsyncClient, inspect.iscoroutinefunction) if not n.startswith("_")),
        key=order_key,
    )
    return [await call(client, lookup, name) for name in methods]


RESULTS = ("ok", "empty", "refused", "error")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:18111")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = asyncio.run(run(args.url))
    width = max(len(r["method"]) for r in results)
    for r in results:
        detail = r["detail"].replace("\n", " ")
        print(f"{r['method']:<{width}}  {r['result']:<7}  {detail}")
    counts = {k: sum(r["result"] == k for r in results) for k in RESULTS}
    print(
        f"\n{len(results)} methods: {counts['ok']} ok, {counts['empty']} empty, "
        f"{counts['refused']} refused as Harbor refuses, {counts['error']} error"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if counts["empty"] or counts["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
