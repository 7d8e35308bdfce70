"""HubSpot CRM v3 objects (companies, deals, ...).

A full pull lists `/crm/v3/objects/<object>` following `paging.next.after`. An increment
searches on the last-modified property (GTE the mark, oldest first); the search API stops at
10,000 results per query, so when the next page would cross that, the query starts again
from the last modification time seen (records seen twice are merged by id). Auth is a
private-app token, or an OAuth refresh token that is exchanged again after a 401.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from connectors.base import ConnectorError, EntityMapping, SourceConfig
from connectors.http import ApiClient, Auth, NoAuth, RetryPolicy, expect
from connectors.secrets import secret

DEFAULT_URL = "https://api.hubapi.com"
SEARCH_WINDOW = 10_000
SEARCH_LIMIT = 200


class HubSpotAuth(Auth):
    """Bearer token: a private-app token (re-read on 401: it may have been rotated) or an
    OAuth access token obtained from the refresh token."""

    def __init__(self, config: SourceConfig, name: str, url: str) -> None:
        self.config = config
        self.oauth = "refresh_token" in config.secrets
        self.token = ""
        self.token_client = ApiClient(
            f"{name} oauth", url, NoAuth(), RetryPolicy.of(config), config.timeout_seconds
        )
        self.refresh()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self) -> None:
        if not self.oauth:
            self.token = secret(self.config, "access_token")
            return
        form = {
            "grant_type": "refresh_token",
            "client_id": secret(self.config, "client_id"),
            "client_secret": secret(self.config, "client_secret"),
            "refresh_token": secret(self.config, "refresh_token"),
        }
        body = self.token_client.request("POST", "/oauth/v1/token", data=form)
        self.token = expect(body, "access_token", str, "hubspot oauth token")


def epoch_ms(mark: pd.Timestamp) -> str:
    return str(int(mark.tz_convert("UTC").timestamp() * 1000))


class HubSpotReader:
    id_field = "id"
    default_modified_field = "hs_lastmodifieddate"

    def __init__(self, config: SourceConfig, name: str, url: str | None) -> None:
        self.config = config
        base = url or DEFAULT_URL
        self.auth = HubSpotAuth(config, name, base)
        self.client = ApiClient(
            name, base, self.auth, RetryPolicy.of(config), config.timeout_seconds
        )

    def label(self, mapping: EntityMapping) -> str:
        return mapping.object or ""

    def pull(
        self, mapping: EntityMapping, fields: list[str], since: pd.Timestamp | None
    ) -> list[dict[str, Any]]:
        properties = [f for f in fields if f != self.id_field]
        if since is None:
            return self._list(mapping.object or "", properties)
        modified = mapping.modified_field or self.default_modified_field
        return self._search(mapping.object or "", properties, modified, since)

    def _list(self, obj: str, properties: list[str]) -> list[dict[str, Any]]:
        url = f"/crm/v3/objects/{obj}"
        params = {"limit": str(min(self.config.page_size or 100, 100))}
        params["properties"] = ",".join(properties)
        records: list[dict[str, Any]] = []
        while True:
            body = self.client.request("GET", url, params=params)
            records.extend(self._rows(body, self.client.where("GET", url)))
            after = _next_after(body)
            if after is None:
                return records
            params["after"] = after

    def _search(
        self, obj: str, properties: list[str], modified: str, since: pd.Timestamp
    ) -> list[dict[str, Any]]:
        url = f"/crm/v3/objects/{obj}/search"
        limit = min(self.config.page_size or SEARCH_LIMIT, SEARCH_LIMIT)
        records: list[dict[str, Any]] = []
        window, after = since, None
        while True:
            body = self.client.request(
                "POST", url, json=self._query(properties, modified, window, limit, after)
            )
            page = self._rows(body, self.client.where("POST", url))
            records.extend(page)
            after = _next_after(body)
            if after is None:
                return records
            if not after.isdigit() or int(after) + limit > SEARCH_WINDOW:
                window, after = self._slide(page, modified, window), None

    @staticmethod
    def _query(
        properties: list[str], modified: str, window: pd.Timestamp, limit: int, after: str | None
    ) -> dict[str, Any]:
        query: dict[str, Any] = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": modified, "operator": "GTE", "value": epoch_ms(window)}
                    ]
                }
            ],
            "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": limit,
        }
        if after is not None:
            query["after"] = after
        return query

    @staticmethod
    def _slide(page: list[dict[str, Any]], modified: str, window: pd.Timestamp) -> pd.Timestamp:
        """The next window starts at the newest modification seen; if that does not move,
        more than 10,000 records share one timestamp and no query can page past them."""
        newest = pd.to_datetime(page[-1].get(modified) if page else None, utc=True, errors="coerce")
        if pd.isna(newest) or newest <= window:
            raise ConnectorError(
                f"hubspot search: more than {SEARCH_WINDOW} records modified at {window}; "
                "run a full pull (incremental: false)"
            )
        return newest

    def _rows(self, body: Any, where: str) -> list[dict[str, Any]]:
        results = expect(body, "results", list, where)
        if not all(isinstance(r, dict) and isinstance(r.get("properties"), dict) for r in results):
            raise ConnectorError(f"{where}: a result without `properties`: {str(results)[:120]!r}")
        return [{**r["properties"], self.id_field: r.get(self.id_field)} for r in results]

    def close(self) -> None:
        self.client.close()
        self.auth.token_client.close()


def _next_after(body: dict[str, Any]) -> str | None:
    after = (body.get("paging") or {}).get("next", {}).get("after")
    return str(after) if after is not None else None
