"""Runs schemathesis against a running scoregrc: `scripts/api-fuzz` calls this with the venv's interpreter.

Environment:
  SCOREGRC_URL      the server, e.g. http://127.0.0.1:18090 (required)
  SCOREGRC_USERS    JSON list of {"username", "password", "role"}: the first admin is the session of every
                    operation the admin may call; the other roles serve the operations only tenant members may call
                    (see fuzz_hooks.py). Sign-in happens once per user, with the given passwords only.
  SCOREGRC_TENANT   the tenant to fuzz (default: the first the admin lists); it should hold an import
  SCOREGRC_SPEC     the OpenAPI document (default: openapi/openapi.json of the checkout)
  SCOREGRC_FUZZ_ARGS  more `st run` options, as do further arguments (e.g. --max-examples 5, --seed 1,
                    --include-operation-id get_tenant)

Before schemathesis starts it creates, through the API, a scratch tenant (tenant changes that could archive the
fuzzed tenant or point it at Microsoft go there) and a decoy user, so the users signed in here are never disabled,
demoted, reset or removed from the tenant by the fuzzer (fuzz_hooks.py swaps their ids for the decoy's).
"""

import json
import os
import secrets
import shlex
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Never fuzzed: sign-in (bad credentials lock accounts and the client address), the password change (it would change
# the admin's password), starting the Graph / Defender imports (jobs that call Microsoft with whatever connector
# settings the fuzzer stored), and starting a single sign-on or checking its provider (they call whatever issuer the
# fuzzer stored).
EXCLUDED_OPERATIONS = ["login", "change_password", "start_graph_import", "start_defender_import", "sso_start",
                       "check_sso_provider"]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


def main():
    base = os.environ["SCOREGRC_URL"].rstrip("/")
    users = json.loads(os.environ["SCOREGRC_USERS"])
    tokens, protected = {}, []
    for user in users:
        if user["role"] in tokens:
            continue
        token = call(base, "POST", "/api/v1/auth/login", body={"username": user["username"], "password": user["password"]})["token"]
        tokens[user["role"]] = token
        protected.append(call(base, "GET", "/api/v1/me", token)["id"])
    admin = tokens.pop("admin")

    tenant = os.environ.get("SCOREGRC_TENANT") or call(base, "GET", "/api/v1/tenants", admin)["items"][0]["id"]
    recommendations = call(base, "GET", f"/api/v1/tenants/{tenant}/recommendations?limit=100", admin)["items"]
    if not recommendations:
        sys.exit(f"tenant {tenant} has no recommendations: import a Secure Score export first")
    suffix = secrets.token_hex(4)
    scratch = call(base, "POST", "/api/v1/tenants", admin, {"name": f"fuzz scratch {suffix}"})["id"]
    decoy = call(base, "POST", "/api/v1/users", admin, {
        "username": f"fuzz-decoy-{suffix}",
        "password": secrets.token_urlsafe(24),
        "role": "engineer",
        "display_name": "Fuzz decoy",
        "must_change_password": False,
    })["id"]
    call(base, "PUT", f"/api/v1/tenants/{tenant}/members/{decoy}", admin)

    env = dict(os.environ)
    env.update({
        "SCOREGRC_TOKEN": admin,
        "SCOREGRC_ROLE_TOKENS": json.dumps(tokens),
        "SCOREGRC_TENANT": tenant,
        "SCOREGRC_RECOMMENDATION": recommendations[0]["id"],
        "SCOREGRC_RECOMMENDATIONS": ",".join(r["id"] for r in recommendations),
        "SCOREGRC_SCRATCH_TENANT": scratch,
        "SCOREGRC_DECOY_USER": decoy,
        "SCOREGRC_PROTECTED_USERS": ",".join(protected),
        "SCHEMATHESIS_HOOKS": os.path.join(HERE, "fuzz_hooks.py"),
    })
    spec = os.path.abspath(os.environ.get("SCOREGRC_SPEC") or os.path.join(ROOT, "openapi", "openapi.json"))
    st = os.path.join(os.path.dirname(sys.executable), "st")
    args = [st, "--no-color", "--config-file", os.path.join(HERE, "schemathesis.toml"), "run", spec, "--url", base,
            "--checks", CHECKS]
    for operation in EXCLUDED_OPERATIONS:
        args += ["--exclude-operation-id", operation]
    args += shlex.split(os.environ.get("SCOREGRC_FUZZ_ARGS", "")) + sys.argv[1:]
    print(f"fuzzing tenant {tenant} as admin and {', '.join(sorted(tokens)) or 'no member role'}", flush=True)
    # Schemathesis keeps its crash cache (.schemathesis) and hypothesis its example database (.hypothesis) in the
    # working directory: inside target/, not the checkout.
    os.chdir(os.path.join(ROOT, "target", "api-fuzz"))
    os.execve(st, args, env)


if __name__ == "__main__":
    main()
