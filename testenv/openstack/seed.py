#!/usr/bin/python3
"""Seeds the testenv cloud over plain REST (one Python start-up instead of
dozens of `openstack` CLI calls, ~1.5 s each).

  seed.py identity   service project/user, catalog (after keystone-manage bootstrap)
  seed.py wait-computes   until both nova-computes are up
  seed.py wait-services   until the neutron agents are alive and cinder services up
  seed.py fixture    image, flavors, projects alpha/beta, users, servers ACTIVE

Settings come from the environment (set by testenv/openstack.sh).
"""
import concurrent.futures
import json
import os
import sys
import time

import requests

IP = os.environ.get("HOSTIP", "127.0.0.1")
KEYSTONE = "http://%s:5000/v3" % IP
ADMIN_PW = os.environ["ADMIN_PW"]
SVC_PW = os.environ["SVC_PW"]
READER_PW = os.environ.get("READER_PW", "stackpit-reader")
DEADLINE = float(os.environ.get("SEED_DEADLINE", "300"))

ENDPOINTS = [
    ("glance", "image", "http://%s:9292" % IP),
    ("placement", "placement", "http://%s:8778" % IP),
    ("nova", "compute", "http://%s:8774/v2.1" % IP),
    ("neutron", "network", "http://%s:9696" % IP),
    ("cinderv3", "volumev3", "http://%s:8776/v3/%%(project_id)s" % IP),
    ("cinder", "block-storage", "http://%s:8776/v3/%%(project_id)s" % IP),
]
NOVA = "http://%s:8774/v2.1" % IP
GLANCE = "http://%s:9292/v2" % IP
NEUTRON = "http://%s:9696/v2.0" % IP

# Servers: name, project, host. compute01 gets six, compute02 four, so an
# evacuation of compute01 has work to do and both hosts run something.
SERVERS = [
    ("web-1", "alpha", "compute01"), ("web-2", "alpha", "compute02"),
    ("web-3", "alpha", "compute01"), ("db-1", "alpha", "compute01"),
    ("db-2", "alpha", "compute02"),
    ("app-1", "beta", "compute01"), ("app-2", "beta", "compute02"),
    ("app-3", "beta", "compute01"), ("cache-1", "beta", "compute01"),
    ("cache-2", "beta", "compute02"),
]
FLAVORS = [("m1.tiny", 1, 512, 1), ("m1.small", 2, 2048, 5)]

S = requests.Session()


def log(msg):
    print("[seed] %s" % msg, flush=True)


def fail(msg):
    print("[seed] FAILED: %s" % msg, file=sys.stderr, flush=True)
    sys.exit(1)


def call(method, url, token, ok=(200, 201, 202, 204), **kw):
    headers = kw.pop("headers", {})
    headers["X-Auth-Token"] = token
    r = S.request(method, url, headers=headers, timeout=60, **kw)
    if r.status_code not in ok:
        fail("%s %s -> %d %s" % (method, url, r.status_code, r.text[:400]))
    if r.status_code == 204 or not r.content:
        return {}
    try:
        return r.json()
    except ValueError:
        return {}


def token(user, password, project):
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
    r = S.post(KEYSTONE + "/auth/tokens", json=body, timeout=60)
    if r.status_code != 201:
        fail("token for %s/%s -> %d %s" % (user, project, r.status_code, r.text[:300]))
    return r.headers["X-Subject-Token"]


def find_or_create(tok, coll, key, name, body, query=""):
    res = call("GET", "%s/%s?name=%s%s" % (KEYSTONE, coll, name, query), tok)[coll]
    if res:
        return res[0]["id"]
    return call("POST", "%s/%s" % (KEYSTONE, coll), tok, json={key: body})[key]["id"]


def role_id(tok, name):
    res = call("GET", "%s/roles?name=%s" % (KEYSTONE, name), tok)["roles"]
    if not res:
        return call("POST", KEYSTONE + "/roles", tok, json={"role": {"name": name}})["role"]["id"]
    return res[0]["id"]


def grant(tok, project_id, user_id, role):
    call("PUT", "%s/projects/%s/users/%s/roles/%s" % (KEYSTONE, project_id, user_id, role_id(tok, role)), tok)


def identity():
    tok = token("admin", ADMIN_PW, "admin")
    pid = find_or_create(tok, "projects", "project", "service",
                         {"name": "service", "domain_id": "default"})
    uid = find_or_create(tok, "users", "user", "service",
                         {"name": "service", "domain_id": "default", "password": SVC_PW})
    grant(tok, pid, uid, "admin")
    grant(tok, pid, uid, "service")
    for name, typ, url in ENDPOINTS:
        sid = find_or_create(tok, "services", "service", name, {"name": name, "type": typ})
        have = call("GET", "%s/endpoints?service_id=%s" % (KEYSTONE, sid), tok)["endpoints"]
        for iface in ("public", "internal", "admin"):
            if any(e["interface"] == iface for e in have):
                continue
            call("POST", KEYSTONE + "/endpoints", tok, json={"endpoint": {
                "service_id": sid, "interface": iface, "url": url, "region_id": "RegionOne"}})
    log("identity: service user and %d catalog entries" % len(ENDPOINTS))


def poll(what, fn, deadline):
    """Calls fn() until it returns (True, detail) or the deadline passes."""
    end = time.time() + deadline
    detail = ""
    while time.time() < end:
        try:
            ok, detail = fn()
        except requests.RequestException as e:
            ok, detail = False, str(e)
        if ok:
            return detail
        time.sleep(1)
    fail("timed out waiting for %s (last: %s)" % (what, detail))


def wait_computes():
    tok = token("admin", ADMIN_PW, "admin")
    mv = {"OpenStack-API-Version": "compute 2.53"}

    def computes():
        svcs = call("GET", NOVA + "/os-services?binary=nova-compute", tok, headers=dict(mv))["services"]
        up = sorted(s["host"] for s in svcs if s["state"] == "up")
        return up == ["compute01", "compute02"], "nova-compute up: %s" % up
    log(poll("both nova-compute services up", computes, DEADLINE))


def wait_services():
    tok = token("admin", ADMIN_PW, "admin")

    def agents():
        ags = call("GET", NEUTRON + "/agents", tok)["agents"]
        alive = sorted(a["binary"] for a in ags if a["alive"])
        return ("neutron-dhcp-agent" in alive and "neutron-metadata-agent" in alive,
                "neutron agents alive: %s" % alive)
    log(poll("neutron agents alive", agents, DEADLINE))

    pid = call("GET", KEYSTONE + "/projects?name=admin", tok)["projects"][0]["id"]

    def volumes():
        svcs = call("GET", "http://%s:8776/v3/%s/os-services" % (IP, pid), tok)["services"]
        up = sorted(s["binary"] for s in svcs if s["state"] == "up")
        return "cinder-scheduler" in up and "cinder-volume" in up, "cinder services up: %s" % up
    log(poll("cinder services up", volumes, DEADLINE))


def fixture():
    tok = token("admin", ADMIN_PW, "admin")
    admin_uid = call("GET", KEYSTONE + "/users?name=admin", tok)["users"][0]["id"]
    projects = {}
    for p in ("alpha", "beta"):
        projects[p] = find_or_create(tok, "projects", "project", p,
                                     {"name": p, "domain_id": "default",
                                      "description": "stackpit testenv project " + p})
        grant(tok, projects[p], admin_uid, "admin")
    # A reader in alpha, for read-only/403 tests.
    rid = find_or_create(tok, "users", "user", "reader",
                         {"name": "reader", "domain_id": "default", "password": READER_PW})
    grant(tok, projects["alpha"], rid, "reader")

    # Flavors.
    mv = {"OpenStack-API-Version": "compute 2.74"}
    have = {f["name"]: f["id"] for f in call("GET", NOVA + "/flavors", tok, headers=dict(mv))["flavors"]}
    flavor_id = {}
    for name, vcpus, ram, disk in FLAVORS:
        if name in have:
            flavor_id[name] = have[name]
            continue
        f = call("POST", NOVA + "/flavors", tok, headers=dict(mv), json={"flavor": {
            "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})["flavor"]
        flavor_id[name] = f["id"]

    # A tiny public raw image.
    imgs = call("GET", GLANCE + "/images?name=cirros-tiny", tok)["images"]
    if imgs:
        image = imgs[0]["id"]
    else:
        image = call("POST", GLANCE + "/images", tok, json={
            "name": "cirros-tiny", "disk_format": "raw", "container_format": "bare",
            "visibility": "public"})["id"]
        call("PUT", "%s/images/%s/file" % (GLANCE, image), tok,
             headers={"Content-Type": "application/octet-stream"}, data=b"\0" * 4096)

    def image_active():
        st = call("GET", "%s/images/%s" % (GLANCE, image), tok)["status"]
        return st == "active", "image %s" % st
    poll("image active", image_active, 60)

    # Servers, booted in their projects by admin (who has admin there),
    # placed with the 2.74 "host" field (goes through the scheduler).
    existing = {s["name"] for s in call("GET", NOVA + "/servers?all_tenants=1", tok)["servers"]}
    ptok = {p: token("admin", ADMIN_PW, p) for p in projects}
    def boot(spec):
        name, proj, host = spec
        flavor = flavor_id["m1.small" if name.startswith("db") else "m1.tiny"]
        call("POST", NOVA + "/servers", ptok[proj], headers=dict(mv), json={"server": {
            "name": name, "imageRef": image, "flavorRef": flavor, "networks": "none",
            "host": host, "metadata": {"role": name.split("-")[0], "testenv": "stackpit"}}})
    todo = [sp for sp in SERVERS if sp[0] not in existing]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(boot, todo))

    def all_active():
        servers = call("GET", NOVA + "/servers/detail?all_tenants=1", tok)["servers"]
        errs = [s for s in servers if s["status"] == "ERROR"]
        if errs:
            fail("server %s ERROR: %s" % (errs[0]["name"], json.dumps(errs[0].get("fault"))))
        active = [s for s in servers if s["status"] == "ACTIVE"]
        return (len(active) >= len(SERVERS),
                "%d/%d ACTIVE" % (len(active), len(SERVERS)))
    log(poll("servers ACTIVE", all_active, DEADLINE))


if __name__ == "__main__":
    {"identity": identity, "wait-computes": wait_computes, "wait-services": wait_services,
     "fixture": fixture}[sys.argv[1]]()
