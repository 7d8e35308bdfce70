"""kintone REST: records.json (query language, offset <= 10,000, limit <= 500) and the cursor
API (POST/GET/DELETE, at most 10 open cursors). Fields are `{type, value}`, numbers as text;
errors are `{code: "CB_...", id, message}`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pandas as pd

from tests.fakes.server import FakeServer, Reply, Request

_QUERY = re.compile(
    r'^(?:(?P<field>\S+) >= "(?P<since>[^"]+)" and )?(?:\$id > (?P<after>\d+) )?'
    r"(?:order by \$id asc )?(?:limit (?P<limit>\d+))?(?: offset (?P<offset>\d+))?$"
)


def cb_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "id": uuid.uuid4().hex[:20], "message": message})


class FakeKintone(FakeServer):
    def __init__(
        self, apps: dict[int, list[dict[str, dict[str, Any]]]], token: str = "tok"
    ) -> None:
        super().__init__()
        self.apps = apps
        self.token = token
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self.cursor_sizes: dict[str, int] = {}
        self.deleted: list[str] = []

    def route(self, request: Request) -> Reply:
        if request.headers.get("x-cybozu-api-token") != self.token:
            return cb_error(401, "CB_WA01", "ユーザーのパスワード認証に失敗しました。")
        if request.path == "/k/v1/records/cursor.json":
            return {"POST": self._open, "GET": self._read, "DELETE": self._close}[request.method](
                request
            )
        if request.path == "/k/v1/records.json" and request.method == "GET":
            return self._records(request)
        return cb_error(404, "CB_NO02", "指定したAPIが見つかりません。")

    def _fields(self, records: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
        return [{f: r[f] for f in fields if f in r} if fields else r for r in records]

    def _open(self, request: Request) -> Reply:
        body = request.json()
        if len(self.cursors) >= 10:
            return cb_error(400, "GAIA_TM12", "作成できるカーソルの上限に達しています。")
        size = int(body.get("size", 100))
        if size > 500 or body.get("app") not in self.apps:
            return cb_error(400, "CB_VA01", "入力内容が正しくありません。")
        cursor = uuid.uuid4().hex
        self.cursors[cursor] = self._fields(self.apps[body["app"]], body.get("fields", []))
        self.cursor_sizes[cursor] = size
        return Reply(200, {"id": cursor, "totalCount": str(len(self.cursors[cursor]))})

    def _read(self, request: Request) -> Reply:
        cursor = request.arg("id") or ""
        if cursor not in self.cursors:
            return cb_error(400, "GAIA_CO02", "指定したカーソルが存在しません。")
        size = self.cursor_sizes[cursor]
        page, rest = self.cursors[cursor][:size], self.cursors[cursor][size:]
        self.cursors[cursor] = rest
        if not rest:
            del self.cursors[cursor]
        return Reply(200, {"records": page, "next": bool(rest)})

    def _close(self, request: Request) -> Reply:
        cursor = request.json().get("id")
        if self.cursors.pop(cursor, None) is None:
            return cb_error(400, "GAIA_CO02", "指定したカーソルが存在しません。")
        self.deleted.append(cursor)
        return Reply(200, {})

    def _records(self, request: Request) -> Reply:
        app = int(request.arg("app", "0") or 0)
        match = _QUERY.match((request.arg("query") or "").strip())
        if app not in self.apps or not match:
            return cb_error(400, "CB_VA01", "クエリ記法が間違っています。")
        limit, offset = int(match["limit"] or 100), int(match["offset"] or 0)
        if limit > 500 or offset > 10_000:
            return cb_error(400, "CB_VA01", "offsetは10000以下である必要があります。")
        records = self.apps[app]
        if match["since"]:
            since = pd.Timestamp(match["since"])
            records = [r for r in records if pd.Timestamp(r[match["field"]]["value"]) >= since]
        if match["after"]:
            records = [r for r in records if int(r["$id"]["value"]) > int(match["after"])]
        records = sorted(records, key=lambda r: int(r["$id"]["value"]))
        fields = [v[0] for k, v in sorted(request.query.items()) if k.startswith("fields[")]
        return Reply(
            200,
            {"records": self._fields(records[offset : offset + limit], fields), "totalCount": None},
        )
