"""Facts tied to customers through the crosswalk; unknown companies go to quarantine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cleansing.unify import attach_all, attach_customers, source_map

CROSSWALK = pd.DataFrame(
    {
        "source": ["crm", "sales_db", "sales_db"],
        "source_id": ["1", "1", "2"],  # the same code in two systems is two companies
        "customer_id": ["C-A", "C-B", "C-A"],
    }
)


def facts(*rows: tuple[str, str, str]) -> pd.DataFrame:
    source, source_id, company = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "source": list(source),
            "source_id": pd.array(source_id, dtype="string"),
            "company_source_id": pd.array(company, dtype="string"),
            "amount": [100.0 * (i + 1) for i in range(len(rows))],
        }
    )


def test_customer_ids_follow_source_and_company_code():
    rows = facts(("sales_db", "L1", "1"), ("crm", "D1", "1"), ("sales_db", "L2", "2"))
    linked, orphans = attach_customers(rows, CROSSWALK, "transactions")
    assert linked["customer_id"].tolist() == ["C-B", "C-A", "C-A"]
    assert linked["source_id"].tolist() == ["L1", "D1", "L2"]  # input order kept
    assert linked["company_source_id"].dtype == rows["company_source_id"].dtype
    assert orphans.empty


def test_unknown_company_goes_to_quarantine_with_its_raw_values():
    rows = facts(("sales_db", "L1", "1"), ("sales_db", "L2", "999"), ("crm", "D1", "2"))
    linked, orphans = attach_customers(rows, CROSSWALK, "transactions")
    assert linked["source_id"].tolist() == ["L1"]
    assert linked.index.tolist() == [0]
    assert orphans["reason"].tolist() == ["company_source_id_orphan"] * 2
    assert orphans["location"].tolist() == ["transactions:L2", "transactions:D1"]
    assert orphans["detail"].tolist() == ["company_source_id=999", "company_source_id=2"]
    assert '"amount": 200.0' in orphans["raw"].iloc[0]


def test_facts_of_a_source_without_any_company_record_are_all_orphans():
    rows = facts(("excel", "V1", "営業訪問記録.xlsx:2"), ("crm", "D1", "1"))
    linked, orphans = attach_customers(rows, CROSSWALK, "activities")
    assert linked["source_id"].tolist() == ["D1"]
    assert orphans["location"].tolist() == ["activities:V1"]


def test_a_crosswalk_listing_a_record_twice_is_refused():
    doubled = pd.concat([CROSSWALK, CROSSWALK.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="unique"):
        attach_customers(facts(("crm", "D1", "1")), doubled, "deals")


def test_attaching_every_entity_at_once_gives_each_entity_its_own_result():
    entities = {
        "transactions": facts(("sales_db", "L1", "1"), ("sales_db", "L2", "999")),
        "deals": facts(("crm", "D1", "1")),
        "activities": facts(("excel", "V1", "x.xlsx:2")),
    }
    attached = attach_all(entities, CROSSWALK)
    assert list(attached) == list(entities)
    linked = {entity: part[0]["customer_id"].tolist() for entity, part in attached.items()}
    assert linked == {"transactions": ["C-B"], "deals": ["C-A"], "activities": []}
    orphans = {entity: part[1]["location"].tolist() for entity, part in attached.items()}
    assert orphans == {
        "transactions": ["transactions:L2"],
        "deals": [],
        "activities": ["activities:V1"],
    }
    doubled = pd.concat([CROSSWALK, CROSSWALK.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="unique"):
        attach_all(entities, doubled)


def test_source_map_adds_each_record_spelling_and_keeps_text_dtypes():
    staged = pd.DataFrame(
        {
            "source": ["sales_db", "crm", "sales_db"],
            "source_id": pd.array(["2", "1", "1"], dtype="string"),  # staging's dtype
            "name_raw": pd.array(["(株)山田", "山田商事", "ﾔﾏﾀﾞ"], dtype="string"),
            "name_key": ["山田", "山田", "ヤマダ"],
            "corporate_number": [None, "7123456789012", None],
            "corporate_number_valid": [False, True, False],
        }
    )
    mapped = source_map(CROSSWALK, staged, np.array([1, 2, 0]))
    assert mapped["name_raw"].tolist() == ["山田商事", "ﾔﾏﾀﾞ", "(株)山田"]
    assert mapped["source_id"].dtype == CROSSWALK["source_id"].dtype  # no object column
    with pytest.raises(ValueError, match="source_rows"):
        source_map(CROSSWALK, staged, np.array([0, 1, 2]))
