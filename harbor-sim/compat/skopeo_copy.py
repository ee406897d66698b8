"""Copies images into, out of and within the simulator with skopeo (containers/image, the
registry library of podman, buildah and CRI-O), unchanged, and checks what Harbor's REST API
then says about them.

skopeo meets the registry as it meets a Harbor: the Bearer challenge, the token service
(one token for several scopes when it mounts a blob from another repository), HEAD before
each blob, cross-repository mounts of the blobs it has seen there, a manifest converted to
OCI on the way, an OCI index pushed and pulled with its children, and deletion by digest.
Three steps check traps of real Harbor that skopeo users meet, with the words skopeo prints
against a real Harbor (containers/image#2203, skopeo#2310):

- with `use-sigstore-attachments`, skopeo 1.9 cannot copy from Harbor: the attachment it
  looks for first answers 404 with Harbor's `NOT_FOUND` code, not distribution's
  `MANIFEST_UNKNOWN`, which this release of containers/image reads as "no signatures";
- an anonymous push is refused with v2auth's message, written twice;
- a wrong password still pulls a public image: the token service falls back to anonymous.

    python3 skopeo_copy.py --url http://127.0.0.1:18111

Needs `skopeo` on the PATH (Debian's package, 1.9.3 in bookworm); only the standard library.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request

import step_report
from step_report import Steps

USER, PASSWORD = "admin", "Harbor12345"
CREDS = f"{USER}:{PASSWORD}"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


class Skopeo:
    """skopeo with its own policy, registries.d and auth file, so that nothing on the machine
    (a policy that refuses, a signature lookaside, a login) changes what it does."""

    def __init__(self, work: str):
        self.work = work
        self.policy = os.path.join(work, "policy.json")
        with open(self.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        self.registries_d = os.path.join(work, "registries.d")
        os.makedirs(self.registries_d)
        self.authfile = os.path.join(work, "auth.json")
        with open(self.authfile, "w") as f:
            json.dump({"auths": {}}, f)

    def run(self, *args: str, registries_d: str = "", check: bool = True):
        command = [
            "skopeo",
            "--debug",
            "--policy",
            self.policy,
            "--registries.d",
            registries_d or self.registries_d,
            *args,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {last_error(done.stderr)}")
        return done


def last_error(stderr: str) -> str:
    """The `level=fatal` line skopeo ends a failed run with (its message only)."""
    for line in reversed(stderr.splitlines()):
        if "level=fatal" in line:
            return line.split('msg="', 1)[-1].rstrip('"').replace('\\"', '"')
    return stderr.strip().splitlines()[-1] if stderr.strip() else "(no output)"


def rest(url: str, path: str):
    """A REST API read as the admin: (status, JSON body or None)."""
    request = urllib.request.Request(url + "/api/v2.0" + path)
    token = base64.b64encode(CREDS.encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, None


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def oci_layout_with_index(root: str) -> str:
    """An OCI image layout holding one index of two single-layer images (amd64, arm64),
    tagged `v1`; the index's digest."""
    blobs = os.path.join(root, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data: bytes):
        digest = sha256(data)
        with open(os.path.join(blobs, digest.split(":", 1)[1]), "wb") as f:
            f.write(data)
        return {"digest": digest, "size": len(data)}

    children = []
    for arch in ("amd64", "arm64"):
        tar = io.BytesIO()
        with tarfile.open(fileobj=tar, mode="w") as archive:
            data = f"built for {arch}\n".encode()
            entry = tarfile.TarInfo("hello.txt")
            entry.size = len(data)
            archive.addfile(entry, io.BytesIO(data))
        layer = tar.getvalue()
        config = {
            "architecture": arch,
            "os": "linux",
            "created": "2026-12-01T00:00:00Z",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]},
        }
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **put(json.dumps(config).encode()),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    **put(gzip.compress(layer, mtime=0)),
                }
            ],
        }
        children.append(
            {
                "mediaType": OCI_MANIFEST,
                **put(json.dumps(manifest).encode()),
                "platform": {"architecture": arch, "os": "linux"},
            }
        )
    index = put(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}).encode())
    with open(os.path.join(root, "index.json"), "w") as f:
        ref = {"org.opencontainers.image.ref.name": "v1"}
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": OCI_INDEX, **index, "annotations": ref}]}, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return index["digest"]


def run(url: str, steps: Steps) -> None:
    host = url.split("://", 1)[1]
    image = lambda name: f"docker://{host}/library/{name}"  # noqa: E731
    step = steps.step

    with tempfile.TemporaryDirectory() as work:
        skopeo = Skopeo(work)
        src = ("--src-tls-verify=false", "--src-creds", CREDS)
        dest = ("--dest-tls-verify=false", "--dest-creds", CREDS)
        both = (*src, *dest)
        read = ("--tls-verify=false", "--creds", CREDS)

        def list_tags():
            out = skopeo.run("list-tags", *read, image("nginx")).stdout
            tags = sorted(json.loads(out)["Tags"])
            status, artifacts = rest(url, "/projects/library/repositories/nginx/artifacts?with_tag=true")
            assert status == 200, status
            expected = sorted(t["name"] for a in artifacts for t in a.get("tags") or [])
            assert tags == expected, (tags, expected)
            return " ".join(tags)

        step("list-tags", list_tags)

        def inspect():
            found = json.loads(skopeo.run("inspect", *read, image("nginx:latest")).stdout)
            status, artifact = rest(url, "/projects/library/repositories/nginx/artifacts/latest")
            assert status == 200, status
            assert found["Digest"] == artifact["digest"], (found["Digest"], artifact["digest"])
            assert found["Architecture"] == artifact["extra_attrs"]["architecture"], found
            assert "latest" in found["RepoTags"], found
            return f"{found['Digest']} {len(found['Layers'])} layers"

        step("inspect", inspect)

        pulled = os.path.join(work, "pulled")

        def pull():
            skopeo.run("copy", *src, image("nginx:latest"), f"dir:{pulled}")
            with open(os.path.join(pulled, "manifest.json"), "rb") as f:
                manifest = f.read()
            descriptors = [json.loads(manifest)["config"], *json.loads(manifest)["layers"]]
            for descriptor in descriptors:
                with open(os.path.join(pulled, descriptor["digest"].split(":", 1)[1]), "rb") as f:
                    assert sha256(f.read()) == descriptor["digest"], descriptor
            return f"{sha256(manifest)}, {len(descriptors)} blobs"

        step("pull to dir", pull)

        def push():
            done = skopeo.run("copy", *dest, f"dir:{pulled}", image("skopeo-push:v1"))
            # The blobs pulled from library/nginx are mounted from there, not uploaded again.
            mounts = done.stderr.count("... mount OK")
            assert mounts >= 2, f"{mounts} blobs mounted:\n{done.stderr[-3000:]}"
            with open(os.path.join(pulled, "manifest.json"), "rb") as f:
                digest = sha256(f.read())
            status, artifact = rest(url, "/projects/library/repositories/skopeo-push/artifacts/v1")
            assert status == 200 and artifact["digest"] == digest, (status, artifact)
            return f"{digest}, {mounts} blobs mounted from library/nginx"

        step("push from dir", push)

        def convert():
            skopeo.run("copy", *both, "--format", "oci", image("nginx:latest"), image("skopeo-oci:v1"))
            status, artifact = rest(url, "/projects/library/repositories/skopeo-oci/artifacts/v1")
            assert status == 200, status
            assert artifact["manifest_media_type"] == OCI_MANIFEST, artifact
            assert artifact["type"] == "IMAGE", artifact
            return f"{artifact['digest']} {artifact['manifest_media_type']}"

        step("copy as OCI", convert)

        layout = os.path.join(work, "layout")
        index_digest = oci_layout_with_index(layout)

        def push_index():
            skopeo.run("copy", "--all", *dest, f"oci:{layout}:v1", image("skopeo-index:v1"))
            status, artifact = rest(url, "/projects/library/repositories/skopeo-index/artifacts/v1")
            assert status == 200, status
            assert artifact["digest"] == index_digest, (artifact["digest"], index_digest)
            assert artifact["manifest_media_type"] == OCI_INDEX, artifact
            platforms = sorted(r["platform"]["architecture"] for r in artifact["references"])
            assert platforms == ["amd64", "arm64"], artifact["references"]
            return f"{index_digest}, children {' '.join(platforms)}"

        step("push index", push_index)

        def pull_index():
            back = os.path.join(work, "back")
            skopeo.run("copy", "--all", "--preserve-digests", *src, image("skopeo-index:v1"), f"oci:{back}:v1")
            with open(os.path.join(back, "index.json")) as f:
                top = json.load(f)["manifests"]
            assert [m["digest"] for m in top] == [index_digest], top
            with open(os.path.join(back, "blobs", *index_digest.split(":"))) as f:
                children = json.load(f)["manifests"]
            for child in children:
                assert os.path.exists(os.path.join(back, "blobs", *child["digest"].split(":"))), child
            return f"{index_digest}, {len(children)} children"

        step("pull index", pull_index)

        def delete():
            skopeo.run("delete", *read, image("skopeo-push:v1"))
            status, _ = rest(url, "/projects/library/repositories/skopeo-push/artifacts/v1")
            assert status == 404, status
            tags = json.loads(skopeo.run("list-tags", *read, image("skopeo-push")).stdout)["Tags"]
            assert tags == [], tags
            return "the artifact is gone (REST: 404), no tags left"

        step("delete", delete)

        def sigstore_attachments():
            attachments = os.path.join(work, "attachments.d")
            os.makedirs(attachments)
            with open(os.path.join(attachments, "sim.yaml"), "w") as f:
                f.write(f"docker:\n  {host}:\n    use-sigstore-attachments: true\n")
            status, artifact = rest(url, "/projects/library/repositories/nginx/artifacts/latest")
            assert status == 200, status
            done = skopeo.run(
                "copy", *src, image("nginx:latest"), f"dir:{work}/signed",
                registries_d=attachments, check=False,
            )
            assert done.returncode != 0, "copied: Harbor would have refused"
            tag = artifact["digest"].replace(":", "-") + ".sig"
            expected = f"unknown: artifact library/nginx:{tag} not found"
            message = last_error(done.stderr)
            assert message.endswith(expected), message
            return expected

        step("sigstore trap", sigstore_attachments)

        def anonymous_push():
            done = skopeo.run(
                "copy", *src, "--dest-tls-verify=false", "--dest-no-creds",
                f"dir:{pulled}", image("skopeo-anon:v1"), check=False,
            )
            assert done.returncode != 0, "pushed anonymously"
            refusal = "unauthorized to access repository: library/skopeo-anon, action: push"
            message = last_error(done.stderr)
            assert message.endswith(f"unauthorized: {refusal}: {refusal}"), message
            return "refused, v2auth's message twice"

        step("anonymous push", anonymous_push)

        def wrong_password():
            found = skopeo.run(
                "inspect", "--tls-verify=false", "--creds", f"{USER}:wrong", image("nginx:latest")
            )
            return "public image read: " + json.loads(found.stdout)["Digest"]

        step("wrong password", wrong_password)


def main() -> int:
    return step_report.main(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    sys.exit(main())
