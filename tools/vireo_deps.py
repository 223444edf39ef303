"""A function's own dependencies for vireo_image.py: Debian packages and Python wheels unpacked into one image layer
under /vireo/deps, standard library only (no pip, no dpkg database, no maintainer scripts).

  --apt PKG       a Debian package name (fetched with `apt-get download`: the named package only, not what it
                  depends on) or a path to a local .deb file. Its files are unpacked under /vireo/deps: the container
                  sees the host's /usr read-only (label dev.vireo.usr=host), so /usr/X becomes /vireo/deps/usr/X
                  (/bin, /lib, ... as /usr/bin, /usr/lib: merged /usr). Python modules end up in
                  /vireo/deps/usr/lib/python3/dist-packages, shared libraries in /vireo/deps/usr/lib/<multiarch>.
  --wheels DIR    every *.whl in DIR, unpacked into /vireo/deps/python (purelib and platlib; scripts, headers and
                  data are left out). A wheel whose tags do not fit the runtime's interpreter is refused.

The agent puts those directories on sys.path (after the code directory, before the system's site directories) and
the library directories on LD_LIBRARY_PATH (docs/agent.md, "Dependencies").
"""
import glob
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

DEPS = "vireo/deps"
PYTHON = DEPS + "/python"
MERGED_USR = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}   # /lib/x -> /usr/lib/x on a merged-/usr system
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?")
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}

_TARGET_SCRIPT = r"""
import json, os, platform, sys
try:
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
except (AttributeError, ValueError, OSError):
    glibc = ""
print(json.dumps({"implementation": sys.implementation.name, "version": list(sys.version_info[:2]),
                  "abiflags": getattr(sys, "abiflags", ""), "machine": platform.machine(), "glibc": glibc}))
"""


def fail(message):
    raise SystemExit("vireo: " + message)


def note(message):
    print("vireo: " + message, file=sys.stderr)


class Deps:
    """The files of the dependency layer, by path in the image: name -> (kind, mode, data, target), and where each
    came from (for a conflict's message) and what the label lists."""

    def __init__(self):
        self.entries = {}
        self.sources = {}
        self.label = []

    def add_file(self, name, mode, data, source, kind=tarfile.REGTYPE, target=""):
        self._parents(name, source)
        old = self.entries.get(name)
        if old is not None and old[0] != tarfile.DIRTYPE and (old[0], old[2], old[3]) != (kind, data, target):
            fail("%s and %s both bring /%s (with different content)" % (self.sources[name], source, name))
        if old is not None and old[0] == tarfile.DIRTYPE:
            fail("%s brings /%s, which %s has as a directory" % (source, name, self.sources[name]))
        # readable by the function's user (65534), never setuid; a symlink's own mode means nothing
        mode = 0o777 if kind == tarfile.SYMTYPE else 0o755 if mode & 0o111 else 0o644
        self.entries[name] = (kind, mode, data, target)
        self.sources[name] = source

    def add_dir(self, name, source):
        old = self.entries.get(name)
        if old is not None and old[0] != tarfile.DIRTYPE:
            fail("%s has /%s as a directory, %s as a file" % (source, name, self.sources[name]))
        self._parents(name, source)
        if old is None:
            self.entries[name] = (tarfile.DIRTYPE, 0o755, b"", "")
            self.sources[name] = source

    def _parents(self, name, source):
        parent = posixpath.dirname(name)
        if parent and parent not in self.entries:
            self.add_dir(parent, source)

    def layer_entries(self):
        """(name, kind, mode, data, target) sorted, so that a parent comes before its children."""
        return [(name,) + self.entries[name] for name in sorted(self.entries)]


def _safe(name, source):
    """An archive member name -> a relative path without '.', or None for the root; refuses escapes."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or ".." in parts:
        fail("%s holds an unsafe path: %s" % (source, name))
    return "/".join(parts) or None


def relocate(path):
    """A path of a package's file system (relative, no leading slash) -> its place under /vireo/deps."""
    first, _, rest = path.partition("/")
    if first in MERGED_USR:
        path = "usr/" + first + ("/" + rest if rest else "")
    return DEPS + "/" + path


# ---- Debian packages ----

def _ar_members(data, source):
    if not data.startswith(b"!<arch>\n"):
        fail("%s is not a Debian package (no ar header)" % source)
    members, pos = {}, 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[0:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
    return members


def _deb_tar(path, members, prefix, dpkg_option):
    """The control or data tar of a .deb: read here (gz, xz, bz2, none), or through dpkg-deb (zstd)."""
    names = [n for n in members if n.startswith(prefix)]
    if not names:
        fail("%s has no %s member" % (path, prefix))
    if not names[0].endswith(".zst"):
        return tarfile.open(fileobj=io.BytesIO(members[names[0]]), mode="r:*")
    if not shutil.which("dpkg-deb"):
        fail("%s is compressed with zstd, which needs dpkg-deb (apt-get install dpkg)" % path)
    out = subprocess.run(["dpkg-deb", dpkg_option, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        fail("dpkg-deb %s %s failed: %s" % (dpkg_option, path, out.stderr.decode(errors="replace").strip()))
    return tarfile.open(fileobj=io.BytesIO(out.stdout), mode="r:")


def _control(tar, path):
    for member in tar.getmembers():
        if _safe(member.name, path) == "control" and member.isfile():
            fields, key = {}, None
            for line in tar.extractfile(member).read().decode("utf-8", "replace").splitlines():
                if line[:1] in (" ", "\t") and key:
                    fields[key] += "\n" + line.strip()
                elif ":" in line:
                    key, _, value = line.partition(":")
                    fields[key.strip()] = value.strip()
            return fields
    fail("%s has no control file" % path)


def add_deb(deps, path):
    """Unpacks a .deb's data into deps, relocated under /vireo/deps; returns its label entry."""
    with open(path, "rb") as f:
        members = _ar_members(f.read(), path)
    control = _control(_deb_tar(path, members, "control.tar", "--ctrl-tarfile"), path)
    name = control.get("Package") or fail("%s names no Package in its control file" % path)
    source = "package %s (%s)" % (name, os.path.basename(path))
    data = _deb_tar(path, members, "data.tar", "--fsys-tarfile")
    links, skipped = [], []
    for member in data.getmembers():
        rel = _safe(member.name, source)
        if rel is None:
            continue
        target = relocate(rel)
        if member.isdir():
            deps.add_dir(target, source)
        elif member.isfile():
            deps.add_file(target, member.mode, data.extractfile(member).read(), source)
        elif member.issym():
            deps.add_file(target, 0o777, b"", source, tarfile.SYMTYPE, member.linkname)
        elif member.islnk():
            links.append((target, relocate(_safe(member.linkname, source))))
        else:
            skipped.append(rel)
    for target, original in links:  # hard links become copies of the file they name
        kind, mode, content, _ = deps.entries.get(original) or (None, 0, b"", "")
        if kind != tarfile.REGTYPE:
            fail("%s: the hard link /%s names no file of the package" % (source, target))
        deps.add_file(target, mode, content, source)
    if skipped:
        note("%s: left out %d special files (devices, fifos): %s" % (source, len(skipped), ", ".join(skipped[:5])))
    if control.get("Pre-Depends") or control.get("Depends"):
        note("%s: only the named package is unpacked, not what it depends on (%s); the host's /usr provides what "
             "it has" % (source, ", ".join(filter(None, [control.get("Pre-Depends"), control.get("Depends")]))))
    return {"kind": "deb", "name": name, "version": control.get("Version", ""), "file": os.path.basename(path)}


def fetch_deb(name, into):
    """apt-get download NAME into a directory -> the .deb's path (the named package only)."""
    if not PACKAGE_NAME.fullmatch(name):
        fail("--apt %s is neither a Debian package name nor a path to a .deb file" % name)
    if not shutil.which("apt-get"):
        fail("--apt %s needs apt-get to fetch it (or pass a .deb file)" % name)
    before = set(os.listdir(into))
    out = subprocess.run(["apt-get", "download", name], cwd=into, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    new = sorted(set(os.listdir(into)) - before)
    if out.returncode != 0 or len(new) != 1 or not new[0].endswith(".deb"):
        fail("apt-get download %s failed (exit %d): %s" % (name, out.returncode,
                                                             out.stdout.decode(errors="replace").strip()))
    return os.path.join(into, new[0])


# ---- wheels ----

def target_python(interpreter):
    """What the runtime's interpreter accepts: implementation, version, machine, glibc (it runs from the host's /usr,
    so the host's interpreter is the one to ask)."""
    try:
        out = subprocess.run([interpreter, "-c", _TARGET_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        fail("cannot ask %s which wheels fit it: %s" % (interpreter, e))
    t = json.loads(out.stdout)
    match = re.match(r"glibc (\d+)\.(\d+)", t["glibc"])
    t["glibc"] = (int(match.group(1)), int(match.group(2))) if match else None
    return t


def _platform_fits(plat, t):
    if plat == "any" or plat == "linux_" + t["machine"]:
        return True
    match = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", plat)
    if match:
        need, arch = (int(match.group(1)), int(match.group(2))), match.group(3)
    else:
        legacy, _, arch = plat.partition("_")
        need = LEGACY_MANYLINUX.get(legacy)
    return need is not None and arch == t["machine"] and t["glibc"] is not None and need <= t["glibc"]


def _python_fits(py, abi, t):
    major, minor = t["version"]
    cpython = t["implementation"] == "cpython"
    exact = "cp%d%d" % (major, minor)
    if abi == "none":
        generic = {"py%d" % major} | {"py%d%d" % (major, m) for m in range(minor + 1)}
        return py in generic or (cpython and py == exact)
    if abi == "abi3":
        match = re.fullmatch(r"cp%d(\d+)" % major, py)
        return cpython and match is not None and int(match.group(1)) <= minor
    return cpython and py == exact and abi in (exact, exact + t["abiflags"])


def wheel_tags(filename):
    """name-version(-build)?-py-abi-plat.whl -> (name, version, [py], [abi], [plat]); compressed tag sets split."""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        fail("%s is not a wheel file name (name-version-pythontag-abitag-platformtag.whl)" % filename)
    return parts[0], parts[1], parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")


def check_wheel(filename, t):
    name, version, pys, abis, plats = wheel_tags(filename)
    if any(_python_fits(py, abi, t) and _platform_fits(plat, t) for py in pys for abi in abis for plat in plats):
        return name, version
    major, minor = t["version"]
    glibc = "manylinux up to glibc %d.%d" % t["glibc"] if t["glibc"] else "no manylinux (no glibc)"
    fail("wheel %s does not fit the image's Python (%s %d.%d on %s): it takes py3-none-any, cp%d%d-cp%d%d-PLATFORM "
         "or cp3N-abi3-PLATFORM (N <= %d) wheels, PLATFORM being linux_%s or %s"
         % (filename, t["implementation"], major, minor, t["machine"], major, minor, major, minor, minor,
            t["machine"], glibc))


def add_wheel(deps, path, t):
    """Unpacks a wheel into /vireo/deps/python as an installer would (without its scripts, headers and data)."""
    filename = os.path.basename(path)
    name, version = check_wheel(filename, t)
    source = "wheel " + filename
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        fail("%s is not a zip archive" % path)
    skipped = {}
    with archive:
        names = [i.filename for i in archive.infolist()]
        if not any(re.fullmatch(r"[^/]+\.dist-info/WHEEL", n) for n in names):
            fail("%s has no *.dist-info/WHEEL: not a wheel" % path)
        for info in archive.infolist():
            rel = _safe(info.filename, source)
            if rel is None or info.is_dir():
                continue
            parts = rel.split("/")
            if parts[0].endswith(".data") and len(parts) > 2:
                if parts[1] not in ("purelib", "platlib"):
                    skipped[parts[1]] = skipped.get(parts[1], 0) + 1
                    continue
                rel = "/".join(parts[2:])
            deps.add_file(PYTHON + "/" + rel, (info.external_attr >> 16) & 0o777, archive.read(info), source)
    if skipped:
        note("%s: left out %s (only importable code goes into the image)"
             % (source, ", ".join("%d %s files" % (n, kind) for kind, n in sorted(skipped.items()))))
    return {"kind": "wheel", "name": name, "version": version, "file": filename}


def collect(apt, wheels_dir, interpreter):
    """The dependency layer's entries and the label's list, or (None, []) when there is nothing to add."""
    if not apt and not wheels_dir:
        return None, []
    deps = Deps()
    if apt:
        with tempfile.TemporaryDirectory(prefix="vireo-apt-") as downloads:
            for item in apt:
                if item.endswith(".deb") or "/" in item:
                    if not os.path.isfile(item):
                        fail("--apt %s: no such .deb file" % item)
                    deps.label.append(add_deb(deps, item))
                else:
                    deps.label.append(add_deb(deps, fetch_deb(item, downloads)))
    if wheels_dir:
        if not os.path.isdir(wheels_dir):
            fail("--wheels %s is not a directory" % wheels_dir)
        found = sorted(glob.glob(os.path.join(wheels_dir, "*.whl")))
        if not found:
            fail("--wheels %s holds no *.whl file" % wheels_dir)
        t = target_python(interpreter)
        for path in found:
            deps.label.append(add_wheel(deps, path, t))
    _relink(deps)
    return deps.layer_entries(), deps.label


def _relink(deps):
    """An absolute symlink to a file the packages bring is pointed at its new place; one to anything else keeps
    naming the host's file (e.g. /etc/alternatives/..., or a library of the host's /usr)."""
    for name, (kind, mode, data, target) in list(deps.entries.items()):
        if kind == tarfile.SYMTYPE and target.startswith("/"):
            moved = relocate(posixpath.normpath(target).lstrip("/"))
            if moved in deps.entries:
                deps.entries[name] = (kind, mode, data, "/" + moved)
