#!/usr/bin/env python3
"""Builds Vireo function images as OCI image archives (no registry, no docker), standard library only.

  vireo_image.py build RUNTIME --out FILE [--tag REF] [--code DIR --handler MODULE.FUNCTION]
                        [--apt PKG]... [--wheels DIR] [--agent FILE]

RUNTIME is "python3" or "openwhisk-python3". python3: one layer with the root file system skeleton the agent needs (mount points, passwd/group,
bin/lib/sbin links into /usr, world-writable sticky /tmp) and the agent at /vireo/agent/vireo_agent.py. The Python
interpreter is not copied: it comes from the host's /usr, which the backend bind-mounts read-only (label
dev.vireo.usr=host). With --code, a second layer holds the function's code under /vireo/code and the handler is
recorded in the label dev.vireo.handler, so the image alone is enough to register the function. With --apt or
--wheels, a layer between those two holds the function's own dependencies under /vireo/deps (vireo_deps.py: Debian
packages relocated out of /usr, wheels unpacked without pip), listed in the label dev.vireo.deps as JSON.

The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) with uncompressed layers; it names the
image in the index annotations that containerd's importer reads, and carries docker-archive's manifest.json too, so
`docker load` (the Docker API's image load) takes the same file. Layers are reproducible: fixed mtimes, owners and
order, so the same inputs give the same digests.

openwhisk-python3: the same skeleton with, instead of the agent, a server of the OpenWhisk action runtime protocol
(agent/openwhisk/ow_python_runtime.py) as the image's command, listening on 8080: a stand-in for OpenWhisk's stock
Python runtime image, for the openwhisk transport. It takes no code, dependencies or handler: /init brings the code.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

import vireo_deps

HERE = os.path.dirname(os.path.abspath(__file__))
# python3: Vireo's agent runs the handler. openwhisk-python3: a server of the OpenWhisk action runtime protocol is the
# image's command (what the openwhisk transport talks to); the code comes through its /init, never baked in.
RUNTIMES = {
    "python3": {"interpreter": "/usr/bin/python3"},
    "openwhisk-python3": {"interpreter": "/usr/bin/python3", "port": 8080,
                          "server": ("openwhisk/ow_python_runtime.py",
                                     os.path.join(HERE, "..", "agent", "openwhisk", "ow_python_runtime.py"))},
}
# dev.vireo.backend.support.HostLibraries.PATHS, as mount points (label dev.vireo.hostlibs=mountpoints)
HOST_LIBRARY_DIRS = ["etc/alternatives", "etc/ld.so.conf.d"]
HOST_LIBRARY_FILES = ["etc/ld.so.cache", "etc/ld.so.conf"]
EPOCH = 0


def _info(name, kind, mode, data=b"", target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if kind == tarfile.SYMTYPE:
        info.linkname = target
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def layer(entries):
    """entries: list of (name, kind, mode, data, target) -> uncompressed tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, mode, data, target in entries:
            info, fileobj = _info(name, kind, mode, data, target)
            tar.addfile(info, fileobj)
    return buf.getvalue()


def runtime_layer(agent_path, server=None):
    """The root skeleton with Vireo's agent, or (server: (path in the image, file)) with a runtime's own server."""
    entries = []
    dirs = ["proc", "dev", "sys", "usr", "etc", "run", "run/vireo", "vireo", "vireo/agent", "vireo/code"]
    if server:
        dirs = ["proc", "dev", "sys", "usr", "etc", "run", os.path.dirname(server[0])]
    for d in dirs:
        entries.append((d, tarfile.DIRTYPE, 0o755, b"", ""))
    entries.append(("tmp", tarfile.DIRTYPE, 0o1777, b"", ""))
    for link in ["bin", "lib", "lib64", "sbin"]:
        if os.path.isdir(os.path.join("/usr", link)):
            entries.append((link, tarfile.SYMTYPE, 0o777, b"", "usr/" + link))
    entries.append(("etc/passwd", tarfile.REGTYPE, 0o644,
                    b"root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", ""))
    entries.append(("etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\nnogroup:x:65534:\n", ""))
    # mount points for the host's shared-library resolution (BLAS for numpy through /etc/alternatives, the ld.so
    # cache), which backends bind read-only over them: an image's snapshot is read-only, so they must exist in it
    for d in HOST_LIBRARY_DIRS:
        entries.append((d, tarfile.DIRTYPE, 0o755, b"", ""))
    for f in HOST_LIBRARY_FILES:
        entries.append((f, tarfile.REGTYPE, 0o644, b"", ""))
    if server:
        with open(server[1], "rb") as f:
            entries.append((server[0], tarfile.REGTYPE, 0o644, f.read(), ""))
    else:
        with open(agent_path, "rb") as f:
            entries.append(("vireo/agent/vireo_agent.py", tarfile.REGTYPE, 0o644, f.read(), ""))
    return layer(entries)


def code_layer(code_dir):
    entries = []
    for root, dirs, files in os.walk(code_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = os.path.relpath(root, code_dir)
        base = "vireo/code" if rel == "." else "vireo/code/" + rel
        if rel != ".":
            entries.append((base, tarfile.DIRTYPE, 0o755, b"", ""))
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                entries.append((base + "/" + name, tarfile.REGTYPE, 0o644, f.read(), ""))
    if not any(e[1] == tarfile.REGTYPE for e in entries):
        raise SystemExit("vireo: code directory %s holds no files" % code_dir)
    return layer(entries)


def blob(blobs, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"digest": digest, "size": len(data)}


def build(args):
    if args.runtime not in RUNTIMES:
        raise SystemExit("vireo: unknown runtime '%s'; runtimes: %s" % (args.runtime, ", ".join(sorted(RUNTIMES))))
    if bool(args.code) != bool(args.handler):
        raise SystemExit("vireo: --code and --handler go together")
    if args.code and not os.path.isdir(args.code):
        raise SystemExit("vireo: code directory %s does not exist" % args.code)
    if args.handler and not all(part.isidentifier() for part in args.handler.split(".")) or \
            (args.handler and "." not in args.handler):
        raise SystemExit("vireo: --handler must be module.function, e.g. main.handle")
    runtime = RUNTIMES[args.runtime]
    server = runtime.get("server")
    if server and (args.code or args.apt or args.wheels):
        raise SystemExit("vireo: runtime %s takes the action's code through /init when a function registers with it:"
                         " no --code, --apt or --wheels" % args.runtime)
    tag = args.tag or ("vireo/%s:latest" % args.runtime)
    blobs = {}
    deps, deps_label = vireo_deps.collect(args.apt, args.wheels, runtime["interpreter"])
    layers = [runtime_layer(args.agent, server)]
    if deps:  # before the code: dependencies change less often
        layers.append(layer(deps))
    if args.code:
        layers.append(code_layer(args.code))
    layer_descs = []
    for data in layers:
        d = blob(blobs, data)
        d["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
        layer_descs.append(d)
    labels = {"dev.vireo.runtime": args.runtime, "dev.vireo.usr": "host", "dev.vireo.hostlibs": "mountpoints"}
    if args.handler:
        labels["dev.vireo.handler"] = args.handler
    if deps_label:
        labels["dev.vireo.deps"] = json.dumps(deps_label, sort_keys=True, separators=(",", ":"))
    image_config = {
        "User": "65534:65534",
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1"],
        "Cmd": [runtime["interpreter"], "-u", "/vireo/agent/vireo_agent.py"],
        "WorkingDir": "/tmp",
        "Labels": labels,
    }
    if server:
        image_config["Cmd"] = [runtime["interpreter"], "-u", "/" + server[0]]
        image_config["ExposedPorts"] = {"%d/tcp" % runtime["port"]: {}}
    config = {
        "architecture": "amd64", "os": "linux",
        "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in layer_descs]},
    }
    config_desc = blob(blobs, json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
    config_desc["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": layer_descs}
    manifest_desc = blob(blobs, json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
    manifest_desc["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest_desc["annotations"] = {"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": tag}
    manifest_desc["platform"] = {"architecture": "amd64", "os": "linux"}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest_desc]}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.out + ".tmp"
    # docker load (20.10) reads the docker-archive manifest.json; containerd reads the OCI index: one archive, both
    docker_manifest = [{"Config": "blobs/sha256/" + config_desc["digest"].split(":", 1)[1], "RepoTags": [tag],
                        "Layers": ["blobs/sha256/" + d["digest"].split(":", 1)[1] for d in layer_descs]}]
    files = [("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
             ("index.json", json.dumps(index, sort_keys=True).encode()),
             ("manifest.json", json.dumps(docker_manifest, sort_keys=True).encode())]
    files += [("blobs/sha256/" + d.split(":", 1)[1], data) for d, data in sorted(blobs.items())]
    entries = [("blobs", tarfile.DIRTYPE, 0o755, b"", ""), ("blobs/sha256", tarfile.DIRTYPE, 0o755, b"", "")]
    entries += [(name, tarfile.REGTYPE, 0o644, data, "") for name, data in files]
    with open(tmp, "wb") as f:
        f.write(layer(entries))
    os.replace(tmp, args.out)
    print(json.dumps({"image": tag, "archive": os.path.abspath(args.out), "manifest": manifest_desc["digest"],
                      "layers": len(layer_descs), "bytes": os.path.getsize(args.out),
                      "handler": args.handler or "", "deps": deps_label}))


def main(argv):
    parser = argparse.ArgumentParser(prog="vireo image")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("runtime")
    b.add_argument("--out", required=True)
    b.add_argument("--tag")
    b.add_argument("--code")
    b.add_argument("--handler")
    b.add_argument("--apt", action="append", default=[], metavar="PKG",
                   help="a Debian package name (apt-get download; the named package only) or a .deb file")
    b.add_argument("--wheels", metavar="DIR", help="a directory of *.whl files, unpacked into /vireo/deps/python")
    b.add_argument("--agent", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent",
                                                    "python", "vireo_agent.py"))
    args = parser.parse_args(argv)
    build(args)


if __name__ == "__main__":
    main(sys.argv[1:])
