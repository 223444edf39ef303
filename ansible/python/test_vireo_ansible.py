"""The Ansible deployment, driven from Python as an operator's script would: bad arguments and bad configuration
fail before anything changes, then a controller and two workers deploy on this machine, serve an invocation through
the controller, survive a second deploy untouched, and tear down leaving nothing running.

Needs VIREO_TEST_DIST (the tarball of ./vireo dist --together --profile controller,worker) and VIREO_TEST_ROOT (an
empty folder for the install, /etc-like and state folders); DistIT in itests sets both. Run with /usr/bin/python3.
"""
import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vireo_ansible  # noqa: E402

DIST = os.environ.get("VIREO_TEST_DIST", "")
ROOT = os.environ.get("VIREO_TEST_ROOT", "")
PORT = int(os.environ.get("VIREO_TEST_PORT", "18480"))


def paths():
    return dict(vireo_install_root=os.path.join(ROOT, "opt"), vireo_home=os.path.join(ROOT, "opt", "vireo"),
                vireo_etc=os.path.join(ROOT, "etc"), vireo_state_dir=os.path.join(ROOT, "state"),
                vireo_use_systemd=False)


def http(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def pid_of(name):
    with open(os.path.join(ROOT, "state", name, "vireo.pid")) as f:
        return f.read().strip()


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@unittest.skipUnless(DIST and ROOT, "VIREO_TEST_DIST and VIREO_TEST_ROOT are set by DistIT")
class DeployTest(unittest.TestCase):
    def test_1_arguments_are_keywords_and_checked(self):
        with self.assertRaises(TypeError):
            vireo_ansible.deploy(DIST)  # positional: refused
        with self.assertRaisesRegex(ValueError, "workers must be an integer from 0 to 256"):
            vireo_ansible.deploy(dist=DIST, workers=-1)
        with self.assertRaisesRegex(ValueError, "hosts takes 'controller' and 'workers'"):
            vireo_ansible.deploy(dist=DIST, hosts={"ctl": "x"})
        with self.assertRaisesRegex(ValueError, "dist must name the tarball"):
            vireo_ansible.deploy(dist=os.path.join(ROOT, "missing.tar.gz"))

    def test_2_bad_configuration_fails_before_anything_changes(self):
        with self.assertRaises(vireo_ansible.DeployError) as e:
            vireo_ansible.deploy(dist=DIST, workers=1, base_port=PORT, vireo_config={"vireo.worker": {"queue.capacty": 5}},
                                 **paths())
        self.assertIn("no key 'queue.capacty' in vireo.worker; keys: name, queue.capacity", str(e.exception))
        with self.assertRaises(vireo_ansible.DeployError) as e:
            vireo_ansible.deploy(dist=DIST, workers=1, base_port=PORT, vireo_config={"vireo.worker": {"queue.capacity": 0}},
                                 **paths())
        self.assertIn("queue.capacity takes one Integer value from 1 up to 1000000", str(e.exception))
        with self.assertRaises(vireo_ansible.DeployError) as e:
            vireo_ansible.deploy(dist=DIST, workers=1, base_port=PORT, vireo_config={"vireo.wroker": {"x": 1}}, **paths())
        self.assertIn("no pid 'vireo.wroker' in this distribution", str(e.exception))
        with self.assertRaises(vireo_ansible.DeployError) as e:
            vireo_ansible.deploy(dist=DIST, workers=1, base_port=PORT, vireo_properties={"x": "$(touch /tmp/pwn)"},
                                 **paths())
        self.assertIn("$(touch /tmp/pwn): in vireo_properties and vireo_java_opts use letters", str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(ROOT, "opt")), "nothing was installed")

    def test_3_a_controller_and_two_workers_serve_and_tear_down(self):
        overrides = dict(paths(), vireo_config={"vireo.worker": {"queue.capacity": 777}})
        try:
            cluster = vireo_ansible.deploy(dist=DIST, workers=2, base_port=PORT, **overrides)
            self.assertEqual(f"http://127.0.0.1:{PORT}", cluster.controller_url)
            deadline = time.time() + 20
            healthy = 0
            while time.time() < deadline:
                status, body = http("GET", cluster.controller_url + "/workers")
                healthy = sum(1 for w in body["workers"] if w["healthy"]) if status == 200 else 0
                if healthy == 2:
                    break
                time.sleep(0.2)
            self.assertEqual(2, healthy, body)
            status, body = http("POST", cluster.controller_url + "/functions",
                                {"name": "hello", "image": "sim/hello", "transport": "sim", "cpus": 0.1})
            self.assertEqual(201, status, body)
            for _ in range(4):
                status, body = http("POST", cluster.controller_url + "/functions/hello-1/invoke", {"k": 1})
                self.assertEqual(200, status, body)
                self.assertEqual({"echo": {"k": 1}}, body)
            with open(os.path.join(ROOT, "etc", "w2", "configs", "vireo.worker.cfg")) as f:
                self.assertIn("queue.capacity = 777\n", f.read())
            pids = {n: pid_of(n) for n in ("controller", "w1", "w2")}
            vireo_ansible.deploy(dist=DIST, workers=2, base_port=PORT, **overrides)
            self.assertEqual(pids, {n: pid_of(n) for n in ("controller", "w1", "w2")},
                             "a second deploy with nothing new restarts nothing")
        finally:
            vireo_ansible.teardown(workers=2, base_port=PORT, **paths())
        for port in range(PORT, PORT + 6):
            self.assertFalse(listening(port), f"port {port} still answers after the teardown")
        self.assertEqual([], sorted(os.listdir(os.path.join(ROOT, "etc"))))
        left = subprocess.run(["pgrep", "-f", os.path.join(ROOT, "state")], capture_output=True, text=True).stdout
        self.assertEqual("", left, "processes of the deployment outlived the teardown")


if __name__ == "__main__":
    unittest.main(verbosity=2)
