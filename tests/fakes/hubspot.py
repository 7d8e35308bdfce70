"""HubSpot CRM v3: object list (`paging.next.after`), search (POST, 10,000-result cap), OAuth.

429s carry `X-HubSpot-RateLimit-*` headers, with or without `Retry-After`; errors are
`{"status": "error", "message", "category", "correlationId"}`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd

from tests.fakes.server import FakeServer, Reply, Request

SEARCH_CAP = 10_000
DEFAULT_PROPERTIES = ("hs_object_id", "createdate", "hs_lastmodifieddate")


def hs_error(status: int, category: str, message: str) -> Reply:
    body = {"status": "error", "message": message, "category": category}
    return Reply(status, body | {"correlationId": str(uuid.uuid4())})


def rate_limited(retry_after: str | None) -> Reply:
    reply = hs_error(429, "RATE_LIMITS", "You have reached your secondly limit.")
    reply.headers = {"X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0"}
    if retry_after is not None:
        reply.headers["Retry-After"] = retry_after
    return reply


def hs_time(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class FakeHubSpot(FakeServer):
    def __init__(self, objects: dict[str, list[dict[str, Any]]]) -> None:
        """`objects`: object type -> records {id, properties: {...}} ordered by id."""
        super().__init__()
        self.objects = objects
        self.tokens = {"pat-static"}
        self.refresh_token = "refresh-1"
        self.token_grants = 0
        self.searches: list[dict[str, Any]] = []

    def revoke_tokens(self, _request: Request | None = None) -> None:
        self.tokens.clear()

    def route(self, request: Request) -> Reply:
        if request.path == "/oauth/v1/token":
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return hs_error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        parts = request.path.strip("/").split("/")
        if parts[:3] != ["crm", "v3", "objects"] or len(parts) < 4 or parts[3] not in self.objects:
            return hs_error(404, "OBJECT_NOT_FOUND", "Unknown object type")
        if len(parts) == 5 and parts[4] == "search" and request.method == "POST":
            return self._search(parts[3], request.json())
        return self._list(parts[3], request)

    def _token(self, request: Request) -> Reply:
        form = request.form()
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            return Reply(
                400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}
            )
        self.token_grants += 1
        token = f"oauth-{uuid.uuid4().hex}"
        self.tokens.add(token)
        return Reply(
            200, {"access_token": token, "refresh_token": self.refresh_token, "expires_in": 1800}
        )

    def _shape(self, record: dict[str, Any], properties: list[str]) -> dict[str, Any]:
        props = record["properties"]
        wanted = [*DEFAULT_PROPERTIES, *properties]
        return {
            "id": record["id"],
            "properties": {p: props.get(p) for p in wanted},
            "createdAt": props.get("createdate"),
            "updatedAt": props.get("hs_lastmodifieddate"),
            "archived": False,
        }

    def _list(self, obj: str, request: Request) -> Reply:
        limit = int(request.arg("limit", "10") or 10)
        if limit > 100:
            return hs_error(400, "VALIDATION_ERROR", "limit must be <= 100")
        after = int(request.arg("after", "0") or 0)
        props = [p for p in (request.arg("properties") or "").split(",") if p]
        records = self.objects[obj]
        body: dict[str, Any] = {
            "results": [self._shape(r, props) for r in records[after : after + limit]]
        }
        if after + limit < len(records):
            nxt = str(after + limit)
            body["paging"] = {
                "next": {"after": nxt, "link": f"{self.url}{request.path}?after={nxt}"}
            }
        return Reply(200, body)

    def _search(self, obj: str, query: dict[str, Any]) -> Reply:
        self.searches.append(query)
        limit, after = int(query.get("limit", 10)), int(query.get("after") or 0)
        if limit > 200:
            return hs_error(400, "VALIDATION_ERROR", "limit must be <= 200")
        if after >= SEARCH_CAP:
            return hs_error(
                400, "VALIDATION_ERROR", f"paging past {SEARCH_CAP} results is not supported"
            )
        records = self.objects[obj]
        for group in query.get("filterGroups", []):
            for flt in group["filters"]:
                assert flt["operator"] == "GTE", flt
                # Fixture times share one ISO format, so text order is time order.
                since = hs_time(pd.Timestamp(int(flt["value"]), unit="ms", tz="UTC"))
                name = flt["propertyName"]
                records = [r for r in records if r["properties"][name] >= since]
        for sort in query.get("sorts", []):
            name = sort["propertyName"]
            records = sorted(records, key=lambda r: (r["properties"][name], int(r["id"])))
        page = records[after : after + limit]
        body: dict[str, Any] = {
            "total": len(records),
            "results": [self._shape(r, query.get("properties", [])) for r in page],
        }
        if after + limit < len(records):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return Reply(200, body)
