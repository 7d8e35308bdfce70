"""Dormancy rules as a validated model.

Every number the domain brief gives is only a default: each company sets its own criteria from
its own history, so all of them live in a YAML file and are checked here before any run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cleansing.schema import ACTIVITY_TYPES

DEFAULT_RULES_PATH = Path(__file__).with_name("default_rules.yaml")
DEFAULT_PROFILE = "default"

ActivityType = Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]
Reference = Literal["purchase", "renewal", "large_purchase"]


class _Strict(BaseModel):
    """Unknown keys fail (and are named) instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regex {pattern!r}: {exc}") from exc
    return patterns


Patterns = Annotated[list[str], AfterValidator(_check_patterns)]


class Thresholds(_Strict):
    """Months without the reference transaction at which each tier starts."""

    at_risk_months: float = Field(gt=0)
    dormant_months: float = Field(gt=0)
    long_dormant_months: float = Field(gt=0)

    @model_validator(mode="after")
    def _increasing(self) -> Thresholds:
        if not self.at_risk_months < self.dormant_months < self.long_dormant_months:
            raise ValueError(
                "thresholds must increase: at_risk_months < dormant_months < long_dormant_months, "
                f"got {self.at_risk_months} / {self.dormant_months} / {self.long_dormant_months}"
            )
        return self


class IndustryProfile(_Strict):
    """How one kind of business buys, recognised from the raw 業種 text."""

    patterns: Patterns = Field(default_factory=list)
    reference: Reference = "purchase"
    large_purchase_yen: float | None = Field(default=None, gt=0)
    thresholds: Thresholds | None = None
    recurring_demand: bool = False

    @model_validator(mode="after")
    def _large_amount_iff_large_reference(self) -> IndustryProfile:
        wants_large = self.reference == "large_purchase"
        if wants_large != (self.large_purchase_yen is not None):
            raise ValueError(
                "large_purchase_yen is required with, and only with, reference: large_purchase"
            )
        return self


class SizeMultipliers(_Strict):
    large: float = Field(gt=0)
    smb: float = Field(gt=0)
    unknown: float = Field(gt=0)


class SizeRules(_Strict):
    """Large enterprises buy on longer cycles, so their thresholds are stretched."""

    large_min_employees: float = Field(gt=0)
    large_min_capital_yen: float = Field(gt=0)
    multipliers: SizeMultipliers


class DeclineRules(_Strict):
    """A sharp drop against the prior 12 months makes an otherwise active customer at_risk."""

    max_amount_ratio: float = Field(gt=0, le=1)
    max_orders_ratio: float = Field(gt=0, le=1)
    min_prior_orders: int = Field(ge=1)


class EngagementRules(_Strict):
    """Which activities are the customer's own behaviour, and how far back they count."""

    lookback_days: int = Field(gt=0)
    behaviour_types: list[ActivityType] = Field(min_length=1)
    min_pricing_views: int = Field(ge=1)


class LossReasonRules(_Strict):
    """Regexes on 見送り理由; churn wins when both kinds match."""

    churn_patterns: Patterns = Field(min_length=1)
    positive_patterns: Patterns = Field(min_length=1)


class SegmentRules(_Strict):
    regular_buyer_min_purchases: int = Field(ge=2)


class TierWeights(_Strict):
    at_risk: int = Field(ge=0, le=100)
    dormant: int = Field(ge=0, le=100)
    long_dormant: int = Field(ge=0, le=100)


class SignalWeights(_Strict):
    """Points per priority signal; the reason code is the field name in upper case."""

    high_past_spend: int = Field(ge=-100, le=100)
    regular_buyer_lapsed: int = Field(ge=-100, le=100)
    viewed_pricing_recently: int = Field(ge=-100, le=100)
    downloaded_whitepaper: int = Field(ge=-100, le=100)
    opened_new_feature_email: int = Field(ge=-100, le=100)
    positive_last_deal: int = Field(ge=-100, le=100)
    recurring_industry: int = Field(ge=-100, le=100)
    support_visits_check_satisfaction: int = Field(ge=-100, le=100)
    lost_to_competitor: int = Field(ge=-100, le=100)
    long_silence_no_engagement: int = Field(ge=-100, le=100)


class PriorityRules(_Strict):
    high_past_spend_yen: float = Field(gt=0)
    tier_weights: TierWeights
    signal_weights: SignalWeights


class TierActions(_Strict):
    """Recommended action per tier (text for sales, from the seeds)."""

    active: str
    at_risk: str
    dormant: str
    long_dormant: str
    prospect: str


class DormancyRules(_Strict):
    base_thresholds: Thresholds
    industry_profiles: dict[str, IndustryProfile]
    size: SizeRules
    decline: DeclineRules
    engagement: EngagementRules
    loss_reasons: LossReasonRules
    segments: SegmentRules
    priority: PriorityRules
    actions: TierActions

    @field_validator("industry_profiles")
    @classmethod
    def _default_profile_is_fallback(
        cls, profiles: dict[str, IndustryProfile]
    ) -> dict[str, IndustryProfile]:
        fallback = profiles.get(DEFAULT_PROFILE)
        if fallback is None:
            raise ValueError(f"a profile named {DEFAULT_PROFILE!r} is required (unmatched 業種)")
        if fallback.patterns:
            raise ValueError(f"profile {DEFAULT_PROFILE!r} is the fallback and takes no patterns")
        return profiles

    def thresholds_for(self, profile: str) -> Thresholds:
        """A profile without its own thresholds uses the base ones."""
        return self.industry_profiles[profile].thresholds or self.base_thresholds


def load_rules(path: Path | None = None) -> DormancyRules:
    """Read and validate a rules YAML; the shipped defaults when no path is given."""
    path = path or DEFAULT_RULES_PATH
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return DormancyRules.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"invalid dormancy rules in {path}:\n{exc}") from exc
