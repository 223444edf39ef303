"""Deploy Vireo with its Ansible playbooks from Python, through ansible-runner (Debian: python3-ansible-runner).

    import vireo_ansible
    cluster = vireo_ansible.deploy(dist="dist/vireo-0.1.0-SNAPSHOT.tar.gz", workers=2,
                                   vireo_config={"vireo.worker": {"queue.capacity": 5000}})
    print(cluster.controller_url)           # http://127.0.0.1:8080
    vireo_ansible.teardown(dist=..., workers=2)

Every argument is a keyword. ``hosts`` names the machines (default: this one, over a local connection): a dict
``{"controller": HOST, "workers": [HOST, ...]}``; several instances on one host get consecutive ports from
``base_port``. Any other keyword is an Ansible variable of the vireo role (``vireo_config``, ``vireo_state_dir``,
``vireo_home``, ``vireo_etc``, ``vireo_bind``, ...; docs/operations.md, "Ansible"). A failed play raises
``DeployError`` with the failing tasks' messages.
"""
import os
import tempfile

import ansible_runner

HERE = os.path.dirname(os.path.abspath(__file__))
# the playbooks: beside this package in a checkout's ansible/ or in ./vireo dist's dist/ansible/
PLAYBOOKS = os.environ.get("VIREO_ANSIBLE_DIR", os.path.dirname(os.path.dirname(HERE)))


class DeployError(RuntimeError):
    """A play failed; ``messages`` holds what each failing task said."""

    def __init__(self, action, rc, messages):
        super().__init__(f"vireo {action} failed (ansible rc {rc}): " + " | ".join(messages))
        self.rc = rc
        self.messages = messages


class Cluster:
    """What deploy() made: the controller's HTTP API and the workers' names with their HTTP APIs."""

    def __init__(self, controller_url, workers):
        self.controller_url = controller_url
        self.workers = workers

    def __repr__(self):
        return f"Cluster(controller_url={self.controller_url!r}, workers={self.workers!r})"


def inventory(*, workers=2, hosts=None, base_port=8080, controller_name="controller", worker_prefix="w"):
    """The inventory deploy() and teardown() use: a controller and ``workers`` workers, one host entry each."""
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0 or workers > 256:
        raise ValueError(f"workers must be an integer from 0 to 256, not {workers!r}")
    if not isinstance(base_port, int) or isinstance(base_port, bool) or not 1 <= base_port <= 65535 - 2 * (workers + 1):
        raise ValueError(f"base_port must leave room for {2 * (workers + 1)} ports below 65536, not {base_port!r}")
    hosts = hosts or {}
    unknown = set(hosts) - {"controller", "workers"}
    if unknown:
        raise ValueError(f"hosts takes 'controller' and 'workers', not {sorted(unknown)}")
    worker_hosts = list(hosts.get("workers") or [])
    if worker_hosts and len(worker_hosts) != workers:
        raise ValueError(f"hosts['workers'] names {len(worker_hosts)} hosts for {workers} workers")

    def entry(host, port):
        e = {"vireo_http_port": port, "vireo_grpc_port": port + 1}
        if host in (None, "localhost", "127.0.0.1"):
            e.update(ansible_connection="local", ansible_host="127.0.0.1")
        else:
            e.update(ansible_host=host)
        return e

    ctl = {controller_name: entry(hosts.get("controller"), base_port)}
    ws = {f"{worker_prefix}{i + 1}": entry(worker_hosts[i] if worker_hosts else None, base_port + 2 * (i + 1))
          for i in range(workers)}
    return {"all": {"vars": {"ansible_python_interpreter": "/usr/bin/python3"},
                    "children": {"controllers": {"hosts": ctl}, "workers": {"hosts": ws}}}}


def _run(action, playbook, *, dist, workers, hosts, base_port, private_data_dir, quiet, overrides):
    if action == "deploy" and (not dist or not os.path.isfile(dist)):
        raise ValueError(f"dist must name the tarball of ./vireo dist --together, not {dist!r}")
    inv = inventory(workers=workers, hosts=hosts, base_port=base_port)
    extravars = dict(overrides)
    if dist:
        extravars["vireo_dist"] = os.path.abspath(dist)
    own = private_data_dir is None
    data = private_data_dir or tempfile.mkdtemp(prefix="vireo-ansible-")
    try:
        r = ansible_runner.run(private_data_dir=data, playbook=os.path.join(PLAYBOOKS, playbook), inventory=inv,
                               extravars=extravars, quiet=quiet, envvars={"ANSIBLE_ROLES_PATH": os.path.join(PLAYBOOKS, "roles")})
        if r.rc != 0 or r.status != "successful":
            messages = []
            for e in r.events:
                if e.get("event") in ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed"):
                    res = e.get("event_data", {}).get("res", {})
                    msg = res.get("msg") or str(res)
                    said = (res.get("stderr") or res.get("stdout") or "").strip().splitlines()
                    if said:
                        msg += ": " + " / ".join(said[-5:])
                    messages.append(f"{e['event_data'].get('host')}: {e['event_data'].get('task')}: {msg}".strip())
            raise DeployError(action, r.rc, messages or [r.status])
        return inv
    finally:
        if own:
            import shutil
            shutil.rmtree(data, ignore_errors=True)


def deploy(*, dist, workers=2, hosts=None, base_port=8080, private_data_dir=None, quiet=True, **overrides):
    """Installs the distribution and starts a controller and ``workers`` workers that join it; returns a Cluster."""
    inv = _run("deploy", "deploy.yml", dist=dist, workers=workers, hosts=hosts, base_port=base_port,
               private_data_dir=private_data_dir, quiet=quiet, overrides=overrides)
    ctl_name, ctl = next(iter(inv["all"]["children"]["controllers"]["hosts"].items()))
    address = ctl.get("ansible_host", "127.0.0.1")
    return Cluster(f"http://{address}:{ctl['vireo_http_port']}",
                   {name: f"http://{w.get('ansible_host', '127.0.0.1')}:{w['vireo_http_port']}"
                    for name, w in inv["all"]["children"]["workers"]["hosts"].items()})


def teardown(*, dist=None, workers=2, hosts=None, base_port=8080, private_data_dir=None, quiet=True, **overrides):
    """Stops what deploy() started with the same arguments and removes its files (``vireo_teardown_install=True``:
    the distribution too)."""
    _run("teardown", "teardown.yml", dist=dist, workers=workers, hosts=hosts, base_port=base_port,
         private_data_dir=private_data_dir, quiet=quiet, overrides=overrides)
