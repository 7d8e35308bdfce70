"""Salesforce REST: OAuth token endpoint and the SOQL query API with query locators.

`{totalSize, done, nextRecordsUrl?, records: [{attributes: {type, url}, ...}]}`; errors are
arrays `[{"message", "errorCode"}]`; a dead session answers 401 INVALID_SESSION_ID.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pandas as pd

from tests.fakes.server import FakeServer, Reply, Request

VERSION = "v62.0"
_SOQL = re.compile(
    r"SELECT (?P<fields>.+?) FROM (?P<obj>\w+)"
    r"(?: WHERE SystemModstamp > (?P<mark>\S+))?(?: ORDER BY (?P<order>\w+))?",
    re.IGNORECASE,
)


def sf_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code, "fields": []}])


def stamp(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce(FakeServer):
    def __init__(self, objects: dict[str, list[dict[str, Any]]], batch_size: int = 2000) -> None:
        super().__init__()
        self.objects = objects
        self.batch_size = batch_size
        self.client_id, self.client_secret = "cid", "csecret"
        self.sessions: set[str] = set()
        self.logins = 0
        self.locators: dict[str, list[dict[str, Any]]] = {}
        self.queries: list[str] = []
        self._ids = itertools.count(1)

    def expire_sessions(self, _request: Request | None = None) -> None:
        self.sessions.clear()

    def route(self, request: Request) -> Reply:
        if request.path == "/services/oauth2/token":
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.sessions:
            return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        prefix = f"/services/data/{VERSION}/query"
        if request.path == prefix:
            return self._query(request)
        if request.path.startswith(prefix + "/"):
            return self._more(request.path.removeprefix(prefix + "/"))
        return sf_error(404, "NOT_FOUND", "The requested resource does not exist")

    def _token(self, request: Request) -> Reply:
        form = request.form()
        ok = form.get("grant_type") == "client_credentials" and (
            form.get("client_id"),
            form.get("client_secret"),
        ) == (self.client_id, self.client_secret)
        if not ok:
            return Reply(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        self.logins += 1
        token = f"00D!{uuid.uuid4().hex}"
        self.sessions.add(token)
        return Reply(200, {"access_token": token, "instance_url": self.url, "token_type": "Bearer"})

    def _query(self, request: Request) -> Reply:
        soql = request.arg("q") or ""
        self.queries.append(soql)
        match = _SOQL.fullmatch(soql.strip())
        if not match or match["obj"] not in self.objects:
            return sf_error(400, "MALFORMED_QUERY", f"unexpected token in {soql[:40]}")
        fields = [f.strip() for f in match["fields"].split(",")]
        rows = self.objects[match["obj"]]
        unknown = [f for f in fields if rows and f not in rows[0]]
        if unknown:
            return sf_error(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on entity")
        if match["mark"]:
            mark = pd.Timestamp(match["mark"])
            rows = [r for r in rows if pd.Timestamp(r["SystemModstamp"]) > mark]
        if match["order"]:
            rows = sorted(rows, key=lambda r: pd.Timestamp(r[match["order"]]))
        obj = match["obj"]
        result = [
            {
                "attributes": {
                    "type": obj,
                    "url": f"/services/data/{VERSION}/sobjects/{obj}/{r['Id']}",
                }
            }
            | {f: r[f] for f in fields}
            for r in rows
        ]
        options = request.headers.get("sforce-query-options", "")
        batch = int(options.split("=")[1]) if options.startswith("batchSize=") else self.batch_size
        locator = f"01g{next(self._ids):015d}"
        self.locators[locator] = result
        return self._page(locator, 0, batch)

    def _more(self, tail: str) -> Reply:
        locator, _, rest = tail.partition("-")
        offset, _, batch = rest.partition(":")
        if locator not in self.locators or not offset.isdigit():
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(locator, int(offset), int(batch))

    def _page(self, locator: str, offset: int, batch: int) -> Reply:
        result = self.locators[locator]
        end = offset + batch
        body: dict[str, Any] = {
            "totalSize": len(result),
            "done": end >= len(result),
            "records": result[offset:end],
        }
        if end < len(result):
            body["nextRecordsUrl"] = f"/services/data/{VERSION}/query/{locator}-{end}:{batch}"
        return Reply(200, body, {"Sforce-Limit-Info": "api-usage=18/15000"})
