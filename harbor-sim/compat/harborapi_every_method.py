"""Runs every coroutine method of Python `harborapi`'s HarborAsyncClient, unchanged, against a
fresh harbor-sim, and reports per method: ok, ok with an empty model, or the error.

Not part of CI (it needs Python and the harborapi package); see README.md beside this file.

    python harborapi_every_method.py --url http://127.0.0.1:18111 [--json results.json]

Arguments are chosen per parameter name (the demo data's names and ids, looked up from the
simulator first); bodies per model type. Methods run in phases, reads first, then creates,
updates, actions and deletes, so later calls find what earlier ones made.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
from typing import Any

import httpx
from pydantic import BaseModel

from harborapi import HarborAsyncClient
from harborapi import models as m
from harborapi.exceptions import StatusError

ADMIN = ("admin", "Harbor12345")


def discover(api: str) -> dict[str, Any]:
    """Ids and names from the fresh simulator's demo data, read with plain HTTP."""
    with httpx.Client(base_url=api, auth=ADMIN, timeout=10) as h:

        def first(path: str, key: str = "id", default: Any = 1) -> Any:
            r = h.get(path, params={"page_size": 100})
            items = r.json() if r.status_code == 200 else []
            return items[0].get(key, default) if items else default

        def find(path: str, field: str, value: str, key: str = "id", default: Any = 1) -> Any:
            r = h.get(path, params={"page_size": 100})
            for item in r.json() if r.status_code == 200 else []:
                if item.get(field) == value:
                    return item.get(key, default)
            return default

        library = h.get("/projects/library").json()
        artifact = h.get("/projects/library/repositories/nginx/artifacts/latest").json()
        return {
            "library_id": library.get("project_id", 1),
            "retention_id": int((library.get("metadata") or {}).get("retention_id", 0) or 0),
            "digest": artifact.get("digest", ""),
            "scanner_uuid": first("/scanners", "uuid", ""),
            "registry_id": first("/registries"),
            "replication_policy_id": first("/replication/policies"),
            "robot_id": first("/robots"),
            "alice_id": find("/users", "username", "alice", "user_id", 2),
            "label_id": first("/labels?scope=g"),
            "webhook_policy_id": first("/projects/library/webhook/policies"),
            "immutable_rule_id": first("/projects/library/immutabletagrules"),
            "member_id": first("/projects/library/members"),
            "compat_registry_id": find("/registries", "name", "compat-registry"),
            "compat_scanner_uuid": find("/scanners", "name", "compat-scanner", "uuid", ""),
            "compat_label_id": find("/labels?scope=g", "name", "compat-label"),
            "compat_user_id": find("/users", "username", "compat", "user_id", 2),
            "compat_replication_id": find("/replication/policies", "name", "compat-replication"),
            "default_scanner_uuid": find("/scanners", "is_default", True, "uuid", ""),
        }


def values(d: dict[str, Any]) -> dict[str, Any]:
    """Argument values by parameter name."""
    return {
        "project_name": "library",
        "project_name_or_id": "library",
        "repository_name": "nginx",
        "reference": "latest",
        "tag_name": "latest",
        "digest": d["digest"],
        "report_id": "1",
        "source": "library/nginx:1.27",
        "scanner_uuid": d["scanner_uuid"],
        "registration_id": d["scanner_uuid"],
        "id": d["registry_id"],
        "policy_id": d["replication_policy_id"],
        "robot_id": d["robot_id"],
        "user_id": d["alice_id"],
        "username": "alice",
        "username_or_id": "alice",
        "label_id": d["label_id"],
        "webhook_policy_id": d["webhook_policy_id"],
        "immutable_rule_id": d["immutable_rule_id"],
        "member_id": d["member_id"],
        "retention_id": d["retention_id"] or 1,
        "execution_id": 1,
        "task_id": 1,
        "gc_id": 1,
        "purge_id": 1,
        "group_id": 1,
        "group_name": "devs",
        "ldap_group_dn_or_id": "cn=devs,dc=example,dc=com",
        "metadata_name": "public",
        "new_password": "Harbor54321x",
        "secret": "NewSecret1234",
        "is_admin": True,
        "query": "lib",
        "role_id": 2,
        "role": 2,
        "user_ids": ["carol"],
    }


def bodies(d: dict[str, Any]) -> dict[str, Any]:
    """Request bodies by model name."""
    schedule = m.Schedule(schedule=m.ScheduleObj(type="Daily", cron="0 0 0 * * *"))
    return {
        "ProjectReq": m.ProjectReq(project_name="compat", metadata=m.ProjectMetadata(public="true")),
        "ProjectMetadata": m.ProjectMetadata(auto_scan="true"),
        "Union[ProjectMetadata, Dict[str, Any]]": {"auto_scan": "true"},
        "ProjectMember": m.ProjectMember(role_id=2, member_user=m.UserEntity(username="bob")),
        "Union[RoleRequest, int]": m.RoleRequest(role_id=3),
        "Label": m.Label(name="compat-label", scope="g", color="#FF0000"),
        "RobotCreate": m.RobotCreate(
            name="compat",
            level="system",
            duration=30,
            permissions=[
                m.RobotPermission(
                    kind="project",
                    namespace="library",
                    access=[m.Access(resource="repository", action="pull")],
                )
            ],
        ),
        "RobotCreateV1": m.RobotCreateV1(
            name="compatv1", access=[m.Access(resource="/project/library/repository", action="pull")]
        ),
        "Robot": m.Robot(name="robot$ci", level="system", duration=60, permissions=[]),
        "Registry": m.Registry(name="compat-registry", type="docker-hub", url="https://hub.docker.com"),
        "RegistryUpdate": m.RegistryUpdate(description="updated"),
        "RegistryPing": m.RegistryPing(type="docker-hub", url="https://hub.docker.com"),
        "ReplicationPolicy": m.ReplicationPolicy(
            name="compat-replication",
            src_registry=m.Registry(id=d["registry_id"]),
            dest_namespace="library",
            trigger=m.ReplicationTrigger(type="manual"),
            enabled=True,
        ),
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
            scope=m.RetentionPolicyScope(level="project", ref=d["library_id"]),
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
        "ScannerRegistrationReq": m.ScannerRegistrationReq(name="compat-scanner", url="http://127.0.0.1:9/scanner"),
        "ScannerRegistrationSettings": m.ScannerRegistrationSettings(name="compat-scanner", url="http://127.0.0.1:9"),
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
        "Schedule": schedule,
        "ScanDataExportRequest": m.ScanDataExportRequest(job_name="compat", projects=[d["library_id"]]),
        "OIDCTestReq": m.OIDCTestReq(url="https://oidc.example.com", verify_cert=True),
    }


def overrides(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-method arguments where the name-based choice would not be a valid call: optional
    arguments a call needs, and writes aimed at what the run created rather than demo data
    that Harbor rightly protects."""
    return {
        "search_ldap_groups": {"group_name": "devs"},
        "add_artifact_label": {"label": m.Label(id=d["compat_label_id"])},
        "delete_artifact_label": {"label_id": d["compat_label_id"]},
        "copy_artifact": {"repository_name": "alpine", "source": "library/nginx:1.27"},
        "update_label": {"label_id": d["compat_label_id"]},
        "update_replication_policy": {"policy_id": d["compat_replication_id"]},
        "delete_replication_policy": {"policy_id": d["compat_replication_id"]},
        "update_project_metadata_entry": {"metadata": {"public": "false"}},
        "delete_artifact_tag": {"tag_name": "compat-tag"},
        "delete_project": {"project_name_or_id": "compat"},
        "delete_registry": {"id": d["compat_registry_id"]},
        "delete_scanner": {"registration_id": d["compat_scanner_uuid"]},
        "set_default_scanner": {"registration_id": d["default_scanner_uuid"]},
        "update_scanner": {"registration_id": d["compat_scanner_uuid"]},
        "delete_user": {"user_id": d.get("compat_user_id", d["alice_id"])},
    }


# Deletes of what others depend on come last.
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


def empty_model(value: Any) -> bool:
    return isinstance(value, BaseModel) and not value.model_dump(exclude_none=True)


def describe(value: Any) -> str:
    if empty_model(value):
        return "empty model"
    if isinstance(value, list):
        return f"list of {len(value)}"
    if isinstance(value, BaseModel):
        return type(value).__name__
    return type(value).__name__


async def run(url: str) -> list[dict[str, Any]]:
    api = url.rstrip("/") + "/api/v2.0"
    client = HarborAsyncClient(url=api, username=ADMIN[0], secret=ADMIN[1])
    methods = sorted(
        (n for n, f in inspect.getmembers(HarborAsyncClient, inspect.iscoroutinefunction) if not n.startswith("_")),
        key=lambda n: (phase_of(n), n in LAST, n),
    )
    results = []
    current_phase = -1
    for name in methods:
        if phase_of(name) != current_phase:
            # Look ids up again: earlier phases created things later ones use.
            current_phase = phase_of(name)
            found = discover(api)
            by_name = values(found)
            by_model = bodies(found)
            special = overrides(found)
        method = getattr(client, name)
        kwargs: dict[str, Any] = dict(special.get(name, {}))
        missing = []
        for p in inspect.signature(method).parameters.values():
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.default is not inspect.Parameter.empty:
                continue
            if p.name in kwargs:
                continue
            annotation = str(p.annotation)
            if annotation in by_model and p.name not in ("role",):
                kwargs[p.name] = by_model[annotation]
            elif p.name == "role":
                kwargs[p.name] = by_model["Union[RoleRequest, int]"]
            elif p.name in by_name:
                kwargs[p.name] = by_name[p.name]
            else:
                missing.append(f"{p.name}: {annotation}")
        if missing:
            results.append({"method": name, "result": "not called", "detail": f"no value for {missing}"})
            continue
        try:
            value = await method(**kwargs)
            outcome = "empty model" if empty_model(value) else "ok"
            results.append({"method": name, "result": outcome, "detail": describe(value)})
        except StatusError as e:
            status = getattr(e, "status_code", None)
            messages = "; ".join(str(getattr(x, "message", x)) for x in (getattr(e, "errors", None) or []))
            results.append({"method": name, "result": "error", "detail": f"{status}: {messages or e}"})
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            results.append({"method": name, "result": "error", "detail": f"{type(e).__name__}: {e}"[:300]})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:18111")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = asyncio.run(run(args.url))
    width = max(len(r["method"]) for r in results)
    for r in results:
        print(f"{r['method']:<{width}}  {r['result']:<11}  {r['detail']}")
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    print(f"\n{len(results)} methods: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
