"""Salesforce REST query API: Account, Opportunity, Task/Event and any other sObject.

Logs in with the OAuth 2.0 client-credentials flow (a connected app; the secrets come from the
environment variables named in `secrets`), runs one SOQL query per entity and follows
`nextRecordsUrl` until `done`. Increments use `SystemModstamp > mark`, ordered by it. A
session that expires mid-pull (401 INVALID_SESSION_ID) is renewed once by the shared client;
403 REQUEST_LIMIT_EXCEEDED (the daily API quota) is reported, not retried.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from connectors.api import flatten
from connectors.base import ConnectorError, EntityMapping, SourceConfig
from connectors.http import ApiClient, Auth, NoAuth, RetryPolicy, expect
from connectors.secrets import secret


class SalesforceAuth(Auth):
    """A session from the token endpoint; `refresh` logs in again."""

    def __init__(self, config: SourceConfig, name: str, login_url: str) -> None:
        self.config = config
        self.token = ""
        self.instance_url = ""
        self.login = ApiClient(
            f"{name} login", login_url, NoAuth(), RetryPolicy.of(config), config.timeout_seconds
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": secret(self.config, "client_id"),
            "client_secret": secret(self.config, "client_secret"),
        }
        try:
            body = self.login.request("POST", "/services/oauth2/token", data=form)
        except ConnectorError as exc:
            raise ConnectorError(f"{exc}; check secrets client_id/client_secret") from exc
        where = self.login.where("POST", "/services/oauth2/token")
        self.token = expect(body, "access_token", str, where)
        self.instance_url = expect(body, "instance_url", str, where)


def soql_datetime(mark: pd.Timestamp) -> str:
    """A SOQL dateTime literal, cut to the second so `>` never skips a record."""
    return mark.tz_convert("UTC").floor("s").strftime("%Y-%m-%dT%H:%M:%SZ")


class SalesforceReader:
    id_field = "Id"
    default_modified_field = "SystemModstamp"

    def __init__(self, config: SourceConfig, name: str, url: str) -> None:
        self.config = config
        self.auth = SalesforceAuth(config, name, url)
        self.auth.refresh()
        headers = {"Sforce-Query-Options": f"batchSize={config.page_size}"}
        self.client = ApiClient(
            name,
            self.auth.instance_url,
            self.auth,
            RetryPolicy.of(config),
            config.timeout_seconds,
            headers=headers if config.page_size else None,
        )

    def label(self, mapping: EntityMapping) -> str:
        return mapping.object or ""

    def soql(self, mapping: EntityMapping, fields: list[str], since: pd.Timestamp | None) -> str:
        modified = mapping.modified_field or self.default_modified_field
        where = [f"({mapping.query})"] if mapping.query else []
        if since is not None:
            where.append(f"{modified} > {soql_datetime(since)}")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT {', '.join(fields)} FROM {mapping.object}{clause} ORDER BY {modified}"

    def pull(
        self, mapping: EntityMapping, fields: list[str], since: pd.Timestamp | None
    ) -> list[dict[str, Any]]:
        url: str | None = f"/services/data/{self.config.api_version}/query"
        params: dict[str, str] | None = {"q": self.soql(mapping, fields, since)}
        records: list[dict[str, Any]] = []
        while url:
            body = self.client.request("GET", url, params=params)
            where = self.client.where("GET", url)
            records.extend(flatten(r) for r in expect(body, "records", list, where))
            url = None if body.get("done", True) else expect(body, "nextRecordsUrl", str, where)
            params = None
        return records

    def close(self) -> None:
        self.client.close()
        self.auth.login.close()
