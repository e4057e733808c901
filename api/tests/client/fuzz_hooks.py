"""Schemathesis hooks for `scripts/api-fuzz`: which session each operation is sent with.

Every operation goes as the admin when its `security` scopes allow the admin. The operations only tenant members may
call (ratings, risk acceptances, roadmaps, evidence, ...) answer the admin 403 and nothing else, so they go as the
first allowed role that `SCOREGRC_ROLE_TOKENS` (a JSON object role -> bearer token) has a session for; without one
they go as the admin too. `SCOREGRC_TOKEN` is the admin's bearer token.
"""

import json
import os
import random
import uuid

import schemathesis

ADMIN_TOKEN = os.environ["SCOREGRC_TOKEN"]
ROLE_TOKENS = json.loads(os.environ.get("SCOREGRC_ROLE_TOKENS") or "{}")
# Most privileged first: the one that can do the most of what the operation offers.
ROLE_ORDER = ["ciso", "it_manager", "engineer", "auditor"]


def token_for(operation) -> str:
    security = operation.definition.raw.get("security")
    if not security:
        return ADMIN_TOKEN
    roles = [role for requirement in security for scopes in requirement.values() for role in scopes]
    if not roles or "admin" in roles:
        return ADMIN_TOKEN
    for role in ROLE_ORDER:
        if role in roles and role in ROLE_TOKENS:
            return ROLE_TOKENS[role]
    return ADMIN_TOKEN


# Static tokens: no caching across operations (each has its own), no re-fetching on 401.
@schemathesis.auth(refresh_interval=None, retry_on=[])
class RoleAuth:
    def get(self, case, context):
        return token_for(context.operation)

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


TENANT = os.environ.get("SCOREGRC_TENANT")
SCRATCH_TENANT = os.environ.get("SCOREGRC_SCRATCH_TENANT")
DECOY_USER = os.environ.get("SCOREGRC_DECOY_USER")
PROTECTED_USERS = set(filter(None, os.environ.get("SCOREGRC_PROTECTED_USERS", "").split(",")))
# Changes that would end the sessions this run signs in with, take away their tenant, or (a second-factor reset under
# the sign-in policy) limit them to enrolment.
USER_CHANGES = {"update_user", "reset_password", "remove_member", "reset_second_factor"}
# Tenant changes that could archive the fuzzed tenant, or give it a connector whose jobs call Microsoft.
TENANT_CHANGES = {"update_tenant", "put_graph_connector", "put_defender_connector"}


# Operations on "a tenant" rather than on the fuzzed tenant's data: schemathesis.toml does not fix their tenant_id,
# so the stateful phase can send the tenant the links of POST /tenants name.
TENANT_ITSELF = {"get_tenant", "update_tenant"}


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """A generated tenant_id of TENANT_ITSELF is the fuzzed tenant, unless it is a malformed one a negative case
    wants; this hook sees only generated values, never a value a link supplied."""
    operation_id = context.operation.definition.raw.get("operationId")
    if operation_id in TENANT_ITSELF and TENANT and is_uuid(path_parameters.get("tenant_id")):
        path_parameters["tenant_id"] = TENANT
    return path_parameters


# The tenant's recommendations: one open register entry each, so proposals spread over all of them.
RECOMMENDATIONS = list(filter(None, os.environ.get("SCOREGRC_RECOMMENDATIONS", "").split(",")))


@schemathesis.hook
def map_body(context, body):
    """A generated risk acceptance covers one of the tenant's recommendations first, so a valid proposal is
    stored and the stateful phase can follow its links (submit, review, approve, ...); random ids never exist."""
    operation_id = context.operation.definition.raw.get("operationId")
    if operation_id == "create_risk_acceptance" and RECOMMENDATIONS and isinstance(body, dict):
        ids = body.get("recommendation_ids")
        if isinstance(ids, list) and ids and is_uuid(ids[0]) and not set(RECOMMENDATIONS) & set(map(str, ids)):
            ids[0] = random.choice(RECOMMENDATIONS)
    return body


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


@schemathesis.hook
def before_call(context, case, kwargs):
    operation_id = case.operation.definition.raw.get("operationId")
    parameters = case.path_parameters or {}
    if operation_id in USER_CHANGES and DECOY_USER and parameters.get("user_id") in PROTECTED_USERS:
        parameters["user_id"] = DECOY_USER
    if operation_id in TENANT_CHANGES and SCRATCH_TENANT and parameters.get("tenant_id") == TENANT:
        parameters["tenant_id"] = SCRATCH_TENANT
