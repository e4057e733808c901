"""Uses the client `scripts/python-client` generated from openapi/openapi.json against a running scoregrc: signs in,
lists a tenant's recommendations, rates the first one (risk reduction high, implementation effort low), reads it
back and prints its new bucket as `bucket: P1`.

Run with the generator's venv: target/python-client-venv/bin/python api/tests/client/smoke.py
Environment: SCOREGRC_URL; SCOREGRC_USERNAME and SCOREGRC_PASSWORD of a CISO, IT manager or engineer (the roles
that rate); SCOREGRC_TENANT (default: the first tenant the user sees).

Every response is parsed into the generated models, so a body that does not match the spec fails here. An
operation the generator left out (it warns about it) is a failure too; the script then does that step with the
client's plain HTTP session, so that the later steps still run, and exits 1 at the end.
"""

import os
import sys
from uuid import UUID

from scoregrc_client import AuthenticatedClient, Client
from scoregrc_client.api.auth import login
from scoregrc_client.api.recommendations import get_recommendation, rate_recommendation
from scoregrc_client.api.tenants import list_tenants
from scoregrc_client.models import Level, LoginRequest, Problem, RateRecommendation, Recommendation

problems = []


def expect(value, kind, what):
    """The parsed answer of `what`, which must be a `kind` (the generated functions answer a Problem on errors)."""
    if isinstance(value, Problem):
        sys.exit(f"{what}: {value.status} {value.title}: {value.detail}")
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    return value


def first_recommendation(client, tenant):
    try:
        from scoregrc_client.api.recommendations import list_recommendations
    except ImportError:
        problems.append("list_recommendations (GET /api/v1/tenants/{tenant_id}/recommendations) was not generated")
        response = client.get_httpx_client().get(f"/api/v1/tenants/{tenant}/recommendations", params={"limit": 5})
        response.raise_for_status()
        page = response.json()
        print(f"recommendations (plain HTTP): {page['total']}")
        return UUID(page["items"][0]["id"])
    page = list_recommendations.sync(tenant, client=client, limit=5)
    if isinstance(page, Problem) or page is None:
        sys.exit(f"list recommendations: {page!r}")
    print(f"recommendations: {page.total}")
    return page.items[0].id


def main():
    base_url = os.environ["SCOREGRC_URL"]
    # `login` takes no credentials; the generated function is typed for an AuthenticatedClient because the spec
    # declares `security: [{}]`, but a plain Client is what it needs.
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    body = LoginRequest(username=os.environ["SCOREGRC_USERNAME"], password=os.environ["SCOREGRC_PASSWORD"])
    session = login.sync(client=anonymous, body=body)
    if isinstance(session, Problem) or session is None:
        sys.exit(f"sign-in: {session!r}")
    print(f"signed in as {body.username} ({session.role})")
    client = AuthenticatedClient(base_url=base_url, token=session.token, raise_on_unexpected_status=True)

    tenant = os.environ.get("SCOREGRC_TENANT")
    if tenant:
        tenant = UUID(tenant)
    else:
        tenants = list_tenants.sync(client=client)
        if isinstance(tenants, Problem) or tenants is None or not tenants.items:
            sys.exit(f"list tenants: {tenants!r}")
        tenant = tenants.items[0].id

    recommendation = first_recommendation(client, tenant)
    rated = rate_recommendation.sync(
        tenant, recommendation, client=client,
        body=RateRecommendation(risk_reduction=Level.HIGH, implementation_effort=Level.LOW, note="generated client smoke test"),
    )
    expect(rated, Recommendation, "rate")
    read_back = expect(get_recommendation.sync(tenant, recommendation, client=client), Recommendation, "read back")
    print(f"rated {read_back.external_id}: risk reduction {read_back.rating.risk_reduction}, "
          f"implementation effort {read_back.rating.implementation_effort}")
    print(f"bucket: {read_back.bucket}")
    if problems:
        print("problems with the generated client:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
