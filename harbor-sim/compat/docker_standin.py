"""A stand-in for the Docker daemon and CLI, for Harbor's own API tests (harbor_apitests.sh).

Harbor's tests push and pull images through the Docker SDK (`docker.APIClient` on
/var/run/docker.sock) and the `docker` CLI. This machine has no Docker engine, so this
stand-in speaks the part of the Engine API those tests use, keeps its images in memory, and
moves them with the registry API (/v2/ and the token service), as dockerd does:

    python docker_standin.py serve SOCKET       # the daemon, on a unix socket
    python docker_standin.py busybox-tar FILE   # `docker save` of the base image the tests load
    python docker_standin.py cli ARGS...        # the `docker` CLI (DOCKER_HOST names the socket)

What it does as dockerd does, because the tests read it:
- `login` fetches a token with the credentials (dockerd's `loginV2`); a refusal is the
  registry's error in distribution's words (`unauthorized: authentication required`).
- `push` sends each layer and the config (HEAD, then POST and PATCH and PUT), then the
  manifest (`application/vnd.docker.distribution.manifest.v2+json`); `pull` takes the manifest
  (a list or index: its linux/amd64 entry), the config and the layers. Errors reach the
  caller in the stream's `errorDetail`, formatted as distribution's `errcode` formats them
  (`<code in lower case with spaces>: <message>`).
- A container runs nothing: `dd if=/dev/urandom of=F bs=1M count=N` (what the tests run) is
  the one command it knows, and `commit` makes its layer, N MiB of random bytes in `F`.
- An image of Docker Hub (a name without a registry host) is made locally, deterministically
  from its name, since there is no network.

Not done: other commands in containers, builds, `docker manifest`, HTTPS registries.
"""

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import re
import socket
import socketserver
import sys
import tarfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import requests

API_VERSION = "1.43"
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_HUB = "docker.io"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# References


class Reference:
    """An image reference, split as the distribution reference grammar splits it: a registry
    host when the first component has a `.` or `:` or is `localhost`, else Docker Hub."""

    def __init__(self, text):
        self.text = text
        rest, self.digest = (text.split("@", 1) + [None])[:2]
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        if colon > slash:
            rest, self.tag = rest[:colon], rest[colon + 1:]
        else:
            self.tag = None
        first, _, remainder = rest.partition("/")
        if remainder and ("." in first or ":" in first or first == "localhost"):
            self.host, self.path = first, remainder
        else:
            self.host, self.path = DOCKER_HUB, rest
            if "/" not in self.path:
                self.path = "library/" + self.path

    @property
    def name(self):
        """The familiar repository name (`busybox`, `127.0.0.1:8080/p/r`)."""
        if self.host == DOCKER_HUB:
            return self.path[len("library/"):] if self.path.startswith("library/") else self.path
        return self.host + "/" + self.path

    def with_tag(self, default="latest"):
        return "{}:{}".format(self.name, self.tag or default)


# ---------------------------------------------------------------------------------------------
# Images


def layer_blob(files):
    """A gzip-compressed tar layer of `files` ({path: bytes}): (blob, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    plain = raw.getvalue()
    return gzip.compress(plain, compresslevel=1, mtime=0), sha256(plain)


class Image:
    def __init__(self, config, layers):
        self.config = config  # bytes, the image config JSON
        self.layers = layers  # [(blob, digest, diff_id)]
        self.id = sha256(config)
        self.tags = set()
        self.digests = set()
        self.created = int(time.time())

    @staticmethod
    def build(layer_files, parent=None, cmd=None):
        layers = list(parent.layers) if parent else []
        for files in layer_files:
            blob, diff_id = layer_blob(files)
            layers.append((blob, sha256(blob), diff_id))
        base = json.loads(parent.config) if parent else {}
        history = base.get("history", []) + [
            {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "created_by": " ".join(cmd or ["/bin/sh"])}
            for _ in layer_files
        ]
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": base.get("config") or {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "history": history,
            "rootfs": {"type": "layers", "diff_ids": [d for _, _, d in layers]},
        }
        return Image(json.dumps(config, separators=(",", ":")).encode(), layers)

    def manifest(self):
        body = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_V2,
            "config": {"mediaType": CONFIG_V1, "size": len(self.config), "digest": sha256(self.config)},
            "layers": [{"mediaType": LAYER_GZIP, "size": len(b), "digest": d} for b, d, _ in self.layers],
        }
        return json.dumps(body, indent=3).encode()

    def size(self):
        return sum(len(b) for b, _, _ in self.layers)

    def summary(self):
        return {
            "Id": self.id, "ParentId": "", "RepoTags": sorted(self.tags),
            "RepoDigests": sorted(self.digests), "Created": self.created, "Size": self.size(),
            "SharedSize": -1, "VirtualSize": self.size(), "Labels": None, "Containers": 0,
        }


def hub_image(ref, size=4096):
    """A Docker Hub image made locally: one layer of `size` bytes that follow from the name."""
    seed = random.Random(ref.with_tag())
    files = {"bin/" + ref.path.split("/")[-1]: seed.randbytes(size)}
    return Image.build([files], cmd=["/bin/sh", "-c", "#(nop) ADD " + ref.with_tag()])


# The base image the tests build on. Its layer is about as large, compressed, as the one of
# the busybox Harbor's CI loads: test_garbage_collection.py expects a GC that frees it with a
# 1 MiB layer built on it to free 1.5 to 2.0 MB.
BUSYBOX_LAYER = 768 * 1024


def busybox():
    return hub_image(Reference("busybox:latest"), BUSYBOX_LAYER)


# ---------------------------------------------------------------------------------------------
# The registry API, as dockerd's distribution client speaks it


class RegistryError(Exception):
    """An error of a registry, worded as distribution's errcode words it."""


# The error codes distribution's errcode package registers; any other code a registry sends
# decodes as UNKNOWN (`ParseErrorCode`).
KNOWN_CODES = {
    "UNKNOWN", "UNSUPPORTED", "UNAUTHORIZED", "DENIED", "UNAVAILABLE", "TOOMANYREQUESTS",
    "DIGEST_INVALID", "SIZE_INVALID", "NAME_INVALID", "TAG_INVALID", "NAME_UNKNOWN",
    "MANIFEST_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNVERIFIED", "MANIFEST_BLOB_UNKNOWN",
    "BLOB_UNKNOWN", "BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID", "PAGINATION_NUMBER_INVALID",
    "RANGE_INVALID",
}
DEFAULT_MESSAGES = {"UNAUTHORIZED": "authentication required", "DENIED": "requested access to the resource is denied"}


def errcode(code, message):
    code = code if code in KNOWN_CODES else "UNKNOWN"
    return "{}: {}".format(code.lower().replace("_", " "), message)


def errcode_text(response):
    """A registry's error answer as distribution's client words it (`HandleErrorResponse`):
    a Bearer challenge's `error` first, then the body's errors; a 401 without them is
    `unauthorized: authentication required`."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if 400 <= response.status_code < 500 and challenge.lower().startswith("bearer"):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        code = {"invalid_token": "UNAUTHORIZED", "insufficient_scope": "DENIED"}.get(params.get("error"))
        if code:
            return errcode(code, params.get("error_description") or DEFAULT_MESSAGES[code])
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("details"):
        code = {401: "UNAUTHORIZED", 429: "TOOMANYREQUESTS"}.get(response.status_code, "UNKNOWN")
        return errcode(code, body["details"])
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        parts = [errcode(str(e.get("code", "")), e.get("message", "")) for e in errors]
        return parts[0] if len(parts) == 1 else "errors:\n" + "\n".join(parts) + "\n"
    if response.status_code == 401:
        return errcode("UNAUTHORIZED", DEFAULT_MESSAGES["UNAUTHORIZED"])
    if response.status_code >= 500 or response.status_code < 400:
        return "received unexpected HTTP status: {} {}".format(response.status_code, response.reason)
    return "error parsing HTTP {} response body: {!r}".format(response.status_code, response.text)


def pull_error(text, ref):
    """dockerd's `translatePullError`: a denial or an unknown manifest or repository says
    which image it was about."""
    if text.startswith("denied:"):
        return ("pull access denied for {}, repository does not exist or may require "
                "'docker login': {}".format(ref.name, text))
    if text.startswith("manifest unknown:"):
        return "manifest for {} not found: {}".format(ref.text if ref.tag or ref.digest else ref.with_tag(), text)
    if text.startswith("name unknown:"):
        return "repository {} not found: {}".format(ref.name, text)
    return text


class Registry:
    """One registry host, with the Bearer tokens of the scopes asked so far."""

    def __init__(self, host, auth):
        self.base = "http://" + host
        self.auth = auth  # (username, password) or None
        self.tokens = {}

    def token(self, challenge, scope):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if realm is None:
            raise RegistryError("no realm in the challenge " + challenge)
        query = {"service": params.get("service", "")}
        if scope:
            query["scope"] = scope
        if self.auth:
            query.update(account=self.auth[0], client_id="docker", offline_token="true")
        r = requests.get(realm, params=query, auth=self.auth, timeout=60)
        if r.status_code != 200:
            raise RegistryError(errcode_text(r))
        body = r.json()
        return body.get("token") or body.get("access_token")

    def call(self, method, path, scope, **kw):
        headers = dict(kw.pop("headers", {}))
        url = path if path.startswith("http") else self.base + path
        for attempt in range(2):
            if scope in self.tokens:
                headers["Authorization"] = "Bearer " + self.tokens[scope]
            r = requests.request(method, url, headers=headers, allow_redirects=True, timeout=120, **kw)
            challenge = r.headers.get("WWW-Authenticate", "")
            if r.status_code == 401 and attempt == 0 and challenge.lower().startswith("bearer"):
                self.tokens[scope] = self.token(challenge[len("bearer "):], scope)
                continue
            return r
        return r

    def login(self):
        r = requests.get(self.base + "/v2/", timeout=60)
        challenge = r.headers.get("WWW-Authenticate", "")
        if r.status_code == 401 and challenge.lower().startswith("bearer"):
            self.token(challenge[len("bearer "):], None)
        elif r.status_code != 200:
            raise RegistryError(errcode_text(r))

    def mount(self, path, scope, digest, source):
        """A cross-repository mount, as dockerd tries one (`WithMountFrom`): True when the
        registry mounted the blob. Any other answer only ends the attempt: an upload it
        opened is cancelled, an error forgets the source (`v2MetadataService.Remove`)."""
        query = "?mount={}&from={}".format(urllib.parse.quote(digest), urllib.parse.quote(source))
        r = self.call("POST", "/v2/{}/blobs/uploads/{}".format(path, query), scope)
        if r.status_code == 201:
            return True
        if r.status_code == 202 and "Location" in r.headers:
            self.call("DELETE", urllib.parse.urljoin(self.base + "/", r.headers["Location"]), scope)
        return False

    def upload(self, path, scope, blob, digest):
        """One blob's upload, as distribution's client sends it: POST, PATCH, PUT."""
        r = self.call("POST", "/v2/{}/blobs/uploads/".format(path), scope)
        if r.status_code != 202:
            raise RegistryError(errcode_text(r))
        location = urllib.parse.urljoin(self.base + "/", r.headers["Location"])
        r = self.call("PATCH", location, scope, data=blob,
                      headers={"Content-Type": "application/octet-stream"})
        if r.status_code != 202:
            raise RegistryError(errcode_text(r))
        location = urllib.parse.urljoin(self.base + "/", r.headers["Location"])
        sep = "&" if "?" in location else "?"
        r = self.call("PUT", location + sep + "digest=" + urllib.parse.quote(digest), scope)
        if r.status_code != 201:
            raise RegistryError(errcode_text(r))

    def exists(self, path, scope, digest):
        r = self.call("HEAD", "/v2/{}/blobs/{}".format(path, digest), scope)
        if r.status_code == 200:
            return True
        if r.status_code == 404:
            return False
        raise RegistryError(errcode_text(r))

    def push(self, path, image, tag, out, known, forget):
        """Pushes `image` as dockerd's pushV2 does. `known(digest)` names the repositories of
        this registry the daemon has pushed or pulled the blob with (its v2 metadata): a
        layer it knows in `path` is checked with HEAD first, one it knows elsewhere is
        mounted from there if the registry lets it (else `forget(digest, repository)`), any
        other is uploaded without a check. The config is checked with HEAD (the manifest
        builder's `Stat`), then put."""
        scope = "repository:{}:pull,push".format(path)
        for blob, digest, _ in image.layers:
            short = digest[7:19]
            repos = known(digest)
            out({"status": "Preparing", "progressDetail": {}, "id": short})
            if path in repos and self.exists(path, scope, digest):
                out({"status": "Layer already exists", "progressDetail": {}, "id": short})
                continue
            source = next((r for r in sorted(repos) if r != path and self.mount(path, scope, digest, r)), None)
            if source is not None:
                out({"status": "Mounted from " + source, "progressDetail": {}, "id": short})
                continue
            for r in repos - {path}:
                forget(digest, r)
            self.upload(path, scope, blob, digest)
            out({"status": "Pushed", "progressDetail": {}, "id": short})
        config_digest = sha256(image.config)
        if not self.exists(path, scope, config_digest):
            self.upload(path, scope, image.config, config_digest)
        manifest = image.manifest()
        r = self.call("PUT", "/v2/{}/manifests/{}".format(path, tag), scope, data=manifest,
                      headers={"Content-Type": MANIFEST_V2})
        if r.status_code != 201:
            raise RegistryError(errcode_text(r))
        digest = r.headers.get("Docker-Content-Digest") or sha256(manifest)
        out({"status": "{}: digest: {} size: {}".format(tag, digest, len(manifest))})
        out({"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest, "Size": len(manifest)}})
        return digest

    def pull(self, path, reference, out):
        scope = "repository:{}:pull".format(path)
        accept = ", ".join([MANIFEST_V2, MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX])
        r = self.call("GET", "/v2/{}/manifests/{}".format(path, reference), scope,
                      headers={"Accept": accept})
        if r.status_code != 200:
            raise RegistryError(errcode_text(r))
        digest = r.headers.get("Docker-Content-Digest") or sha256(r.content)
        manifest = r.json()
        if manifest.get("mediaType") in (MANIFEST_LIST, OCI_INDEX) or "manifests" in manifest:
            entries = manifest.get("manifests") or []
            chosen = next((m for m in entries if m.get("platform", {}).get("os") == "linux"
                           and m.get("platform", {}).get("architecture") == "amd64"), None)
            if chosen is None:
                raise RegistryError("no matching manifest for linux/amd64 in the manifest list entries")
            r = self.call("GET", "/v2/{}/manifests/{}".format(path, chosen["digest"]), scope,
                          headers={"Accept": accept})
            if r.status_code != 200:
                raise RegistryError(errcode_text(r))
            manifest = r.json()

        def blob(d):
            b = self.call("GET", "/v2/{}/blobs/{}".format(path, d), scope)
            if b.status_code != 200:
                raise RegistryError(errcode_text(b))
            if sha256(b.content) != d:
                raise RegistryError("filesystem layer verification failed for digest " + d)
            return b.content

        config = blob(manifest["config"]["digest"])
        diff_ids = json.loads(config).get("rootfs", {}).get("diff_ids", [])
        layers = []
        for i, layer in enumerate(manifest.get("layers", [])):
            data = blob(layer["digest"])
            out({"status": "Pull complete", "progressDetail": {}, "id": layer["digest"][7:19]})
            diff_id = diff_ids[i] if i < len(diff_ids) else sha256(gzip.decompress(data))
            layers.append((data, layer["digest"], diff_id))
        return Image(config, layers), digest


# ---------------------------------------------------------------------------------------------
# The daemon's state


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Daemon:
    def __init__(self):
        self.lock = threading.RLock()
        self.images = {}  # id -> Image
        self.containers = {}  # id -> dict
        self.blob_repos = {}  # (registry host, digest) -> {repository}: dockerd's v2 metadata
        self.add(busybox(), "busybox:latest")

    def known(self, host, digest):
        with self.lock:
            return set(self.blob_repos.get((host, digest), ()))

    def forget(self, host, digest, path):
        with self.lock:
            self.blob_repos.get((host, digest), set()).discard(path)

    def remember(self, host, path, image):
        with self.lock:
            for _, digest, _ in image.layers:
                self.blob_repos.setdefault((host, digest), set()).add(path)

    def add(self, image, tag=None):
        with self.lock:
            kept = self.images.setdefault(image.id, image)
            if tag:
                self.untag(tag)
                kept.tags.add(tag)
            return kept

    def untag(self, tag):
        for image in self.images.values():
            image.tags.discard(tag)

    def find(self, name):
        """The image `name` names: an id (or its prefix) or a reference."""
        with self.lock:
            # A reference first, then an id or its prefix, as dockerd resolves a name.
            ref = Reference(name)
            for image in self.images.values():
                if ref.digest and any(d == "{}@{}".format(ref.name, ref.digest) for d in image.digests):
                    return image
                if not ref.digest and ref.with_tag() in image.tags:
                    return image
            bare = name[7:] if name.startswith("sha256:") else name
            for image in self.images.values():
                if len(bare) >= 4 and image.id[7:].startswith(bare):
                    return image
        raise ApiError(404, "No such image: " + name)

    def list_images(self, reference=None):
        with self.lock:
            found = []
            for image in self.images.values():
                if reference:
                    ref = Reference(reference)
                    wanted = ref.with_tag() if ref.tag else ref.name + ":"
                    if not any(t == wanted or (not ref.tag and t.startswith(wanted)) for t in image.tags):
                        continue
                found.append(image.summary())
            return found

    def remove(self, name, force):
        with self.lock:
            image = self.find(name)
            deleted = []
            ref = Reference(name) if not image.id[7:].startswith(name.replace("sha256:", "")) else None
            if ref is not None and len(image.tags) > 1 and not force:
                image.tags.discard(ref.with_tag())
                return [{"Untagged": ref.with_tag()}]
            for t in sorted(image.tags):
                deleted.append({"Untagged": t})
            del self.images[image.id]
            deleted.append({"Deleted": image.id})
            return deleted


def registry_auth(header):
    """The credentials of an `X-Registry-Auth` header (base64url JSON), if any."""
    if not header:
        return None
    try:
        padded = header + "=" * (-len(header) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        return None
    if body.get("username"):
        return (body["username"], body.get("password", ""))
    return None


# ---------------------------------------------------------------------------------------------
# The Engine API


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    daemon = None  # set by serve()

    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        sys.stderr.write("docker-standin: " + (fmt % args) + "\n")

    def reply(self, status, body=None, content_type="application/json"):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def body(self):
        return self.request_body

    def read_body(self):
        """The whole request body, read before routing: one left unread would be taken for
        the next request on the kept-alive connection."""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def dispatch(self):
        self.request_body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        path = re.sub(r"^/v\d+\.\d+", "", urllib.parse.unquote(url.path))
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        try:
            self.route(self.command, path, query)
        except ApiError as e:
            self.reply(e.status, {"message": str(e)})
        except Exception as e:  # an error of the stand-in: say so, as dockerd's 500 would
            self.reply(500, {"message": "docker stand-in: {}: {}".format(type(e).__name__, e)})

    do_GET = do_POST = do_DELETE = do_HEAD = do_PUT = dispatch

    def stream(self, work):
        """Runs `work(out)`, answering 200 with its JSON lines; an error ends the stream."""
        lines = []

        def out(obj):
            lines.append(json.dumps(obj))

        try:
            work(out)
        except (RegistryError, ApiError, requests.RequestException) as e:
            message = str(e)
            lines.append(json.dumps({"errorDetail": {"message": message}, "error": message}))
        self.reply(200, ("\r\n".join(lines) + "\r\n").encode())

    def route(self, method, path, query):
        d = self.daemon
        if path == "/_ping":
            return self.reply(200, b"OK", "text/plain")
        if path == "/version":
            return self.reply(200, {"Version": "24.0.0-standin", "ApiVersion": API_VERSION,
                                    "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
        if path == "/info":
            return self.reply(200, {"OSType": "linux", "Architecture": "x86_64",
                                    "Images": len(d.images), "Containers": len(d.containers),
                                    "ServerVersion": "24.0.0-standin"})
        if path == "/auth" and method == "POST":
            body = json.loads(self.body() or b"{}")
            host = body.get("serveraddress") or DOCKER_HUB
            host = re.sub(r"^https?://", "", host).rstrip("/")
            if host.startswith(DOCKER_HUB) or "index.docker.io" in host:
                return self.reply(200, {"Status": "Login Succeeded"})
            try:
                Registry(host, (body.get("username", ""), body.get("password", ""))).login()
            except RegistryError as e:
                raise ApiError(401, 'Get "http://{}/v2/": {}'.format(host, e))
            return self.reply(200, {"Status": "Login Succeeded", "IdentityToken": ""})
        if path == "/images/json":
            reference = query.get("filter")
            if "filters" in query:
                filters = json.loads(query["filters"] or "{}")
                refs = filters.get("reference") or []
                if isinstance(refs, dict):
                    refs = [k for k, v in refs.items() if v]
                reference = refs[0] if refs else reference
            return self.reply(200, d.list_images(reference))
        if path == "/images/create" and method == "POST":
            return self.pull(query)
        if path == "/images/load" and method == "POST":
            return self.load(self.body())
        if path == "/images/prune" and method == "POST":
            with d.lock:
                gone = [{"Deleted": i} for i in list(d.images)]
                d.images.clear()
            return self.reply(200, {"ImagesDeleted": gone or None, "SpaceReclaimed": 0})
        if path == "/containers/prune" and method == "POST":
            with d.lock:
                gone = list(d.containers)
                d.containers.clear()
            return self.reply(200, {"ContainersDeleted": gone or None, "SpaceReclaimed": 0})
        if path == "/containers/create" and method == "POST":
            return self.create_container(json.loads(self.body() or b"{}"))
        if path == "/commit" and method == "POST":
            return self.commit(query)
        if path == "/containers/json":
            return self.reply(200, [{"Id": c["Id"], "Image": c["Image"]} for c in d.containers.values()])
        m = re.fullmatch(r"/containers/([^/]+)(/(start|wait|json))?", path)
        if m:
            container = d.containers.get(m.group(1)) or next(
                (c for i, c in d.containers.items() if i.startswith(m.group(1))), None)
            if container is None:
                raise ApiError(404, "No such container: " + m.group(1))
            action = m.group(3)
            if method == "DELETE" and action is None:
                d.containers.pop(container["Id"], None)
                return self.reply(204)
            if action == "start":
                container["State"]["Status"] = "exited"
                return self.reply(204)
            if action == "wait":
                return self.reply(200, {"StatusCode": 0, "Error": None})
            return self.reply(200, container)
        m = re.fullmatch(r"/images/(.+)/(push|tag|json|history)", path)
        if m:
            name, action = m.group(1), m.group(2)
            if action == "push":
                return self.push(name, query)
            if action == "tag":
                image = d.find(name)
                ref = Reference(query["repo"] + (":" + query["tag"] if query.get("tag") else ""))
                with d.lock:
                    d.untag(ref.with_tag())
                    image.tags.add(ref.with_tag())
                return self.reply(201)
            image = d.find(name)
            if action == "history":
                return self.reply(200, [{"Id": image.id, "Created": image.created, "Size": image.size()}])
            inspect = image.summary()
            inspect.update(Config=json.loads(image.config).get("config"), Os="linux", Architecture="amd64",
                           RootFS=json.loads(image.config).get("rootfs"))
            return self.reply(200, inspect)
        m = re.fullmatch(r"/images/(.+)", path)
        if m and method == "DELETE":
            return self.reply(200, d.remove(m.group(1), query.get("force") in ("1", "true", "True")))
        raise ApiError(404, "page not found: {} {} (not in the docker stand-in)".format(method, path))

    def pull(self, query):
        name = query.get("fromImage", "")
        if query.get("tag"):
            name += ("@" if query["tag"].startswith("sha256:") else ":") + query["tag"]
        ref = Reference(name)

        def work(out):
            if ref.host == DOCKER_HUB:
                image = self.daemon.add(hub_image(ref), ref.with_tag())
                out({"status": "Pulling from " + ref.path, "id": ref.tag or "latest"})
                out({"status": "Digest: " + sha256(image.manifest())})
                out({"status": "Status: Downloaded newer image for " + ref.with_tag()})
                return
            registry = Registry(ref.host, registry_auth(self.headers.get("X-Registry-Auth")))
            out({"status": "Pulling from " + ref.path, "id": ref.tag or ref.digest or "latest"})
            try:
                image, digest = registry.pull(ref.path, ref.digest or ref.tag or "latest", out)
            except RegistryError as e:
                raise RegistryError(pull_error(str(e), ref))
            kept = self.daemon.add(image, None if ref.digest else ref.with_tag())
            self.daemon.remember(ref.host, ref.path, kept)
            kept.digests.add("{}@{}".format(ref.name, digest))
            out({"status": "Digest: " + digest})
            out({"status": "Status: Downloaded newer image for " + (ref.text if ref.digest else ref.with_tag())})

        self.stream(work)

    def push(self, name, query):
        ref = Reference(name + (":" + query["tag"] if query.get("tag") else ""))
        if ref.host == DOCKER_HUB:
            raise ApiError(500, "the docker stand-in pushes to registry hosts only, not " + ref.name)
        with self.daemon.lock:
            if ref.tag:
                tags = [ref.tag] if ref.with_tag() in {t for i in self.daemon.images.values() for t in i.tags} else []
            else:
                tags = sorted(t.rsplit(":", 1)[1] for i in self.daemon.images.values() for t in i.tags
                              if t.rsplit(":", 1)[0] == ref.name)
        if not tags:
            raise ApiError(404, "An image does not exist locally with the tag: " + ref.name)
        registry = Registry(ref.host, registry_auth(self.headers.get("X-Registry-Auth")))

        def work(out):
            out({"status": "The push refers to repository [{}]".format(ref.name)})
            for tag in tags:
                image = self.daemon.find("{}:{}".format(ref.name, tag))
                digest = registry.push(ref.path, image, tag, out, lambda d: self.daemon.known(ref.host, d),
                                       lambda d, repo: self.daemon.forget(ref.host, d, repo))
                self.daemon.remember(ref.host, ref.path, image)
                image.digests.add("{}@{}".format(ref.name, digest))

        self.stream(work)

    def create_container(self, body):
        image = self.daemon.find(body.get("Image", ""))
        cmd = body.get("Cmd") or []
        if isinstance(cmd, str):
            cmd = cmd.split()
        cid = hashlib.sha256(os.urandom(16)).hexdigest()
        self.daemon.containers[cid] = {"Id": cid, "Image": image.id, "Cmd": cmd,
                                       "Config": {"Image": body.get("Image"), "Cmd": cmd},
                                       "State": {"Status": "created", "ExitCode": 0}}
        return self.reply(201, {"Id": cid, "Warnings": []})

    def commit(self, query):
        d = self.daemon
        container = d.containers.get(query.get("container", ""))
        if container is None:
            raise ApiError(404, "No such container: " + query.get("container", ""))
        files = {}
        command = " ".join(container["Cmd"])
        m = re.search(r"\bdd\b.*\bof=(\S+).*\bbs=(\d+)([KMG]?).*\bcount=(\d+)", command)
        if m:
            unit = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(3)]
            files[m.group(1).lstrip("/")] = os.urandom(int(m.group(2)) * unit * int(m.group(4)))
        elif container["Cmd"]:
            raise ApiError(500, "the docker stand-in cannot run " + command)
        image = Image.build([files] if files else [], parent=d.find(container["Image"]), cmd=container["Cmd"])
        tag = None
        if query.get("repo"):
            tag = Reference(query["repo"] + ":" + (query.get("tag") or "latest")).with_tag()
        d.add(image, tag)
        return self.reply(201, {"Id": image.id})

    def load(self, data):
        """`docker load` of a `docker save` archive: manifest.json, configs, layer tars."""
        loaded = []
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            entries = json.load(tar.extractfile("manifest.json"))
            for entry in entries:
                config = tar.extractfile(entry["Config"]).read()
                layers = []
                for layer in entry["Layers"]:
                    plain = tar.extractfile(layer).read()
                    blob = gzip.compress(plain, compresslevel=1, mtime=0)
                    layers.append((blob, sha256(blob), sha256(plain)))
                image = self.daemon.add(Image(config, layers))
                for tag in entry.get("RepoTags") or []:
                    self.daemon.add(image, Reference(tag).with_tag())
                    loaded.append("Loaded image: " + Reference(tag).with_tag())
        self.reply(200, ("\n".join(json.dumps({"stream": line + "\n"}) for line in loaded) + "\n").encode())


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(socket_path):
    if os.path.exists(socket_path):
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(socket_path)
            sys.exit("docker stand-in: {} answers already (a Docker daemon?); not replacing it".format(socket_path))
        except OSError:
            os.unlink(socket_path)
        finally:
            probe.close()
    Handler.daemon = Daemon()
    with UnixServer(socket_path, Handler) as server:
        server.serve_forever()


def busybox_tar(path):
    """`docker save busybox:latest` of the stand-in's base image."""
    image = busybox()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        config_name = image.id[7:] + ".json"
        add(config_name, image.config)
        layer_names = []
        for blob, _, diff_id in image.layers:
            name = diff_id[7:] + "/layer.tar"
            add(name, gzip.decompress(blob))
            layer_names.append(name)
        add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["busybox:latest"],
                                          "Layers": layer_names}]).encode())
    with open(path, "wb") as f:
        f.write(archive.getvalue())


# ---------------------------------------------------------------------------------------------
# The CLI


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path):
        super().__init__("localhost", timeout=300)
        self.socket_path = socket_path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


def cli(args):
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    socket_path = host[len("unix://"):]

    def call(method, path, body=None, headers=None):
        conn = UnixConnection(socket_path)
        conn.request(method, "/v" + API_VERSION + path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        if r.status >= 400:
            try:
                message = json.loads(data)["message"]
            except (ValueError, KeyError):
                message = data.decode(errors="replace")
            sys.stderr.write("Error response from daemon: " + message + "\n")
            sys.exit(1)
        return data

    def stream_failed(data):
        for line in data.decode().splitlines():
            if line.strip() and "error" in json.loads(line):
                sys.stderr.write(json.loads(line)["error"] + "\n")
                return True
        return False

    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "images":
        images = json.loads(call("GET", "/images/json?all=1"))
        if "-q" in rest:
            for image in images:
                print(image["Id"][7:19])
            return 0
        print("REPOSITORY   TAG   IMAGE ID   SIZE")
        for image in images:
            for tag in image["RepoTags"] or ["<none>:<none>"]:
                repo, _, t = tag.rpartition(":")
                print("{}   {}   {}   {}".format(repo, t, image["Id"][7:19], image["Size"]))
        return 0
    if command == "rmi":
        names = [a for a in rest if not a.startswith("-")]
        if not names:
            sys.stderr.write('"docker rmi" requires at least 1 argument.\n')
            return 1
        force = "1" if "-f" in rest or "--force" in rest else "0"
        for name in names:
            for line in json.loads(call("DELETE", "/images/" + name + "?force=" + force)):
                print("{}: {}".format(*next(iter(line.items()))))
        return 0
    if command == "system" and rest[:1] == ["prune"]:
        call("POST", "/containers/prune")
        call("POST", "/images/prune?filters=" + urllib.parse.quote('{"dangling":["false"]}'))
        print("Total reclaimed space: 0B")
        return 0
    if command == "info":
        info = json.loads(call("GET", "/info"))
        print("'{}/{}'".format(info["OSType"], info["Architecture"]) if "-f" in rest else json.dumps(info))
        return 0
    if command == "load":
        path = rest[rest.index("-i") + 1] if "-i" in rest else None
        data = open(path, "rb").read() if path else sys.stdin.buffer.read()
        for line in call("POST", "/images/load", body=data).decode().splitlines():
            if line.strip():
                print(json.loads(line).get("stream", "").rstrip())
        return 0
    if command == "login":
        user = rest[rest.index("-u") + 1] if "-u" in rest else ""
        password = rest[rest.index("-p") + 1] if "-p" in rest else ""
        server = next((a for a in rest if not a.startswith("-") and a not in (user, password)), "")
        call("POST", "/auth", body=json.dumps({"username": user, "password": password, "serveraddress": server}),
             headers={"Content-Type": "application/json"})
        print("Login Succeeded")
        return 0
    if command == "pull":
        ref = Reference(rest[-1])
        data = call("POST", "/images/create?fromImage={}&tag={}".format(
            urllib.parse.quote(ref.name), urllib.parse.quote(ref.digest or ref.tag or "latest")))
        return 1 if stream_failed(data) else 0
    if command == "tag":
        image, target = rest[-2], Reference(rest[-1])
        call("POST", "/images/{}/tag?repo={}&tag={}".format(image, urllib.parse.quote(target.name), target.tag or "latest"))
        return 0
    sys.stderr.write("docker stand-in: `docker {}` is not simulated\n".format(" ".join(args)))
    return 1


def main(argv):
    if len(argv) >= 2 and argv[0] == "serve":
        serve(argv[1])
        return 0
    if len(argv) >= 2 and argv[0] == "busybox-tar":
        busybox_tar(argv[1])
        return 0
    if argv and argv[0] == "cli":
        return cli(argv[1:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
