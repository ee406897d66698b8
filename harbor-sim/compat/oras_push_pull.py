"""Pushes and pulls OCI artifacts with oras-py (unchanged) through the simulator's registry API.

oras meets the registry as it meets a Harbor: the Bearer challenge, the token service with
basic credentials, blob uploads (monolithic, then chunked), a manifest pushed by tag, the
tags list, and a pull whose every blob is checked against its digest. The artifact is then
read back through Harbor's REST API. Last, an image the simulator seeded itself
(`library/nginx:latest`) is pulled blob by blob, and Python's own `gzip` and `tarfile` read
its layers.

    python oras_push_pull.py --url http://127.0.0.1:18111
"""

import hashlib
import json
import os
import sys
import tempfile
import urllib.request
import base64
import io
import tarfile

import oras.client

import step_report
from step_report import Steps

USER, PASSWORD = "admin", "Harbor12345"


def rest_get(url: str, path: str):
    request = urllib.request.Request(url + "/api/v2.0" + path)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def run(url: str, steps: Steps) -> None:
    host = url.split("://", 1)[1]
    client = oras.client.OrasClient(hostname=host, insecure=True)
    client.auth.set_basic_auth(USER, PASSWORD)
    step = steps.step

    with tempfile.TemporaryDirectory() as work:
        files = {}
        for name, size in (("notes.txt", 1000), ("data.bin", 300_000)):
            path = os.path.join(work, name)
            with open(path, "wb") as f:
                f.write(os.urandom(size))
            files[name] = path
        cwd = os.getcwd()
        os.chdir(work)
        try:
            target = f"{host}/library/oras-demo:v1"
            step("push", lambda: client.push(target=target, files=["notes.txt"]).status_code)
            step(
                "push chunked",
                lambda: client.push(
                    target=f"{host}/library/oras-demo:v2",
                    files=["notes.txt", "data.bin"],
                    do_chunked=True,
                    chunk_size=65536,
                ).status_code,
            )

            def tags():
                found = client.get_tags(f"{host}/library/oras-demo")
                assert found == ["v1", "v2"], found
                return found

            step("tags", tags)

            def pull():
                out = os.path.join(work, "pulled")
                pulled = client.pull(target=f"{host}/library/oras-demo:v2", outdir=out)
                names = sorted(os.path.basename(p) for p in pulled)
                assert names == ["data.bin", "notes.txt"], names
                for name in names:
                    with open(os.path.join(out, name), "rb") as a, open(files[name], "rb") as b:
                        assert hashlib.sha256(a.read()).digest() == hashlib.sha256(b.read()).digest(), name
                return names

            step("pull", pull)

            def manifest():
                found = client.get_manifest(f"{host}/library/oras-demo:v2")
                assert len(found["layers"]) == 2, found
                return found["mediaType"]

            step("manifest", manifest)

            def artifact():
                found = rest_get(url, "/projects/library/repositories/oras-demo/artifacts/v2")
                size = sum(os.path.getsize(p) for p in files.values())
                assert found["size"] > size, found
                assert found["tags"][0]["name"] == "v2", found
                return f"{found['type']} {found['digest']} {found['size']} bytes"

            step("artifact", artifact)

            def seeded():
                image = f"{host}/library/nginx:latest"
                found = client.get_manifest(image)
                blobs = [found["config"], *found["layers"]]
                for descriptor in blobs:
                    content = client.get_blob(image, descriptor["digest"]).content
                    digest = "sha256:" + hashlib.sha256(content).hexdigest()
                    assert digest == descriptor["digest"], (digest, descriptor)
                    assert len(content) == descriptor["size"], descriptor
                    if descriptor in found["layers"]:
                        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as layer:
                            assert layer.getnames(), descriptor
                config = json.loads(client.get_blob(image, found["config"]["digest"]).content)
                rest = rest_get(url, "/projects/library/repositories/nginx/artifacts/latest")
                assert rest["size"] > sum(b["size"] for b in blobs), rest
                assert config["os"] == rest["extra_attrs"]["os"], config
                return f"{found['mediaType']} {len(found['layers'])} layers"

            step("seeded image", seeded)
        finally:
            os.chdir(cwd)


def main() -> int:
    return step_report.main(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    sys.exit(main())
