"""What each kind of customer buys from us: product code, name, list price, usual quantity."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    price: int
    qty: tuple[int, int]


def _products(*rows: tuple[str, str, int, int, int]) -> tuple[Product, ...]:
    return tuple(Product(code, name, price, (lo, hi)) for code, name, price, lo, hi in rows)


CATALOG: dict[str, tuple[Product, ...]] = {
    "consumables": _products(
        ("C-1001", "コピー用紙 A4 2500枚", 2380, 1, 20),
        ("C-1002", "トナーカートリッジ 黒", 12800, 1, 4),
        ("C-1003", "ボールペン 黒 10本入", 980, 1, 10),
        ("C-1004", "クリアファイル A4 100枚", 1480, 1, 10),
        ("C-1005", "OPPテープ 50巻", 4200, 1, 5),
        ("C-1006", "ニトリル手袋 100枚入", 1280, 1, 20),
        ("C-1007", "付箋 徳用パック", 650, 1, 10),
    ),
    # The licence comes first: every IT order is a renewal, other lines are add-ons.
    "it": _products(
        ("S-2001", "業務管理ソフト 年間ライセンス", 36000, 5, 60),
        ("S-2002", "保守サポート 年間契約", 120000, 1, 1),
        ("S-2003", "クラウドバックアップ 年額", 48000, 1, 10),
        ("S-2004", "導入支援サービス", 300000, 1, 1),
    ),
    # The first three are the large transactions (大口取引, ≥ 1,000,000 yen a line).
    "manufacturing": _products(
        ("M-3001", "NC旋盤", 8500000, 1, 1),
        ("M-3002", "産業用ロボットアーム", 12000000, 1, 2),
        ("M-3003", "金型 一式", 2400000, 1, 1),
        ("M-3004", "交換部品セット", 180000, 1, 5),
        ("M-3005", "定期保守点検", 350000, 1, 1),
    ),
    "construction": _products(
        ("G-4001", "作業服 上下セット", 6800, 5, 40),
        ("G-4002", "安全靴", 5400, 5, 30),
        ("G-4003", "ヘルメット", 2900, 5, 30),
        ("G-4004", "墜落制止用器具", 18000, 2, 20),
    ),
    "retail": _products(
        ("G-5001", "POSロール紙 100巻", 5800, 1, 10),
        ("G-5002", "レジ袋 M 1000枚", 2600, 1, 20),
        ("G-5003", "値札ラベル 10000枚", 3200, 1, 10),
        ("G-5004", "ハンディターミナル", 98000, 1, 5),
    ),
    "transport": _products(
        ("G-6001", "ストレッチフィルム 6巻", 7400, 1, 30),
        ("G-6002", "樹脂パレット", 8900, 5, 100),
        ("G-6003", "ドライブレコーダー", 32000, 1, 20),
    ),
    "medical": _products(
        ("G-7001", "医療用手袋 1000枚", 4800, 1, 30),
        ("G-7002", "サージカルマスク 2000枚", 9800, 1, 20),
        ("G-7003", "手指消毒液 5L", 3600, 1, 20),
        ("G-7004", "介護用シーツ", 2400, 5, 50),
    ),
}
LARGE_ITEMS = CATALOG["manufacturing"][:3]
