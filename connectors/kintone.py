"""kintone REST apps (顧客管理, 案件管理 ... as configured by app id).

A full pull uses the cursor API (POST creates, GET pages until `next` is false, DELETE
releases a cursor left open by a failure: a domain has at most 10). An increment pages
`records.json` by `$id` with `更新日時 >= mark` (kintone times have minute precision, so
`>=` and the merge by id make a repeat harmless); `$id` paging avoids the offset cap of
10,000. Values arrive as `{type, value}` with numbers as strings; they are kept as text.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

import pandas as pd

from connectors.base import ConnectorError, EntityMapping, SourceConfig
from connectors.http import ApiClient, Auth, RetryPolicy, expect
from connectors.secrets import secret

PAGE_LIMIT = 500


class KintoneAuth(Auth):
    """An API token; re-read from the environment after a 401 (it may have been rotated)."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.token = secret(config, "api_token")

    def headers(self) -> dict[str, str]:
        return {"X-Cybozu-API-Token": self.token}

    def refresh(self) -> None:
        self.token = secret(self.config, "api_token")


def field_value(field: Any) -> Any:
    """The value of one `{type, value}` field; lists and objects (users, tables) as JSON."""
    if not isinstance(field, dict) or "value" not in field:
        raise ValueError(f"not a kintone field: {str(field)[:80]!r}")
    value = field["value"]
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def kintone_datetime(mark: pd.Timestamp) -> str:
    return mark.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


class KintoneReader:
    id_field = "$id"
    default_modified_field = "更新日時"

    def __init__(self, config: SourceConfig, name: str, url: str) -> None:
        self.config = config
        self.size = min(config.page_size or PAGE_LIMIT, PAGE_LIMIT)
        self.client = ApiClient(
            name, url, KintoneAuth(config), RetryPolicy.of(config), config.timeout_seconds
        )

    def label(self, mapping: EntityMapping) -> str:
        return f"app{mapping.app}"

    def pull(
        self, mapping: EntityMapping, fields: list[str], since: pd.Timestamp | None
    ) -> list[dict[str, Any]]:
        if since is None:
            return self._cursor(mapping, fields)
        modified = mapping.modified_field or self.default_modified_field
        return self._by_id(mapping, fields, f'{modified} >= "{kintone_datetime(since)}"')

    def _cursor(self, mapping: EntityMapping, fields: list[str]) -> list[dict[str, Any]]:
        url = "/k/v1/records/cursor.json"
        body = {"app": mapping.app, "fields": fields, "size": self.size}
        if mapping.query:
            body["query"] = mapping.query
        cursor = expect(self.client.request("POST", url, json=body), "id", str, url)
        records: list[dict[str, Any]] = []
        try:
            while True:
                page = self.client.request("GET", url, params={"id": cursor})
                records.extend(self._rows(page, url))
                if not page.get("next"):
                    return records
        except ConnectorError:
            self._release(url, cursor)
            raise

    def _release(self, url: str, cursor: str) -> None:
        # The original error matters more; kintone expires a forgotten cursor after 10 minutes.
        with suppress(ConnectorError):
            self.client.request("DELETE", url, json={"id": cursor})

    def _by_id(
        self, mapping: EntityMapping, fields: list[str], changed: str
    ) -> list[dict[str, Any]]:
        url = "/k/v1/records.json"
        records: list[dict[str, Any]] = []
        last_id = 0
        while True:
            conditions = [f"({mapping.query})"] if mapping.query else []
            conditions += [changed, f"$id > {last_id}"]
            query = f"{' and '.join(conditions)} order by $id asc limit {self.size}"
            params = [("app", str(mapping.app)), ("query", query)]
            params += [(f"fields[{i}]", f) for i, f in enumerate(fields)]
            page = self._rows(self.client.request("GET", url, params=params), url)
            records.extend(page)
            if len(page) < self.size:
                return records
            last_id = int(page[-1][self.id_field])

    def _rows(self, body: Any, url: str) -> list[dict[str, Any]]:
        try:
            return [
                {code: field_value(field) for code, field in record.items()}
                for record in expect(body, "records", list, self.client.where("GET", url))
            ]
        except (ValueError, AttributeError) as exc:
            raise ConnectorError(f"{self.client.name}: {url}: unexpected record: {exc}") from exc

    def close(self) -> None:
        self.client.close()
