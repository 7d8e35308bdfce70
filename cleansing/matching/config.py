"""Tunable knobs of company matching, in one validated place so a typo in a setting fails loudly."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BlockingConfig(BaseModel):
    """Candidate generation: which records get compared at all."""

    model_config = ConfigDict(extra="forbid")

    max_block_size: int = Field(
        300,
        ge=2,
        description="Exact-key blocks (name, phone, postal, kana) larger than this are skipped: "
        "such keys are placeholders or generic names and would cost n^2 comparisons.",
    )
    max_edit_block_size: int = Field(
        50,
        ge=2,
        description="Distinct longer name keys per shorter key beyond which the insertion/"
        "deletion block is skipped (such keys are one or two common characters).",
    )
    edit_min_len: int = Field(
        8,
        ge=1,
        description="The insertion/deletion pass covers pairs whose shorter key has at least "
        "this many characters: no shorter near name merges without corroboration (scoring's "
        "long_name_len), and the phone, kana and postal passes find corroborated pairs.",
    )
    max_ngram_block_size: int = Field(
        10,
        ge=2,
        description="Distinct name keys per n-gram beyond which the gram is too common to block "
        "on; kept small because this pass only adds the rare pairs further than one edit apart.",
    )
    ngram_size: int = Field(
        2, ge=1, le=3, description="Character n-gram length (packed into an int64, so <= 3)."
    )
    ngrams_per_key: int = Field(
        3,
        ge=1,
        description="Rarest n-grams kept per name key. One edit destroys at most two bigrams, so "
        "with 3 the rarest surviving gram is shared with the unedited key.",
    )
    ngram_min_len: int = Field(
        6,
        ge=1,
        description="Shorter keys skip n-gram blocking: two edits leave them below "
        "fuzzy_name_sim, and their grams are the common ones.",
    )
    postal_affix_len: int = Field(
        2,
        ge=1,
        description="Leading and trailing name_key characters paired with the postal code; one "
        "typo leaves one of them intact, so a typo corroborated by the postal code is found "
        "whatever the name's length.",
    )


class Weights(BaseModel):
    """Weights of the combined score, a weighted mean over the features both records carry so
    that missing data neither helps nor hurts."""

    model_config = ConfigDict(extra="forbid")

    name: float = Field(3.0, ge=0)
    kana: float = Field(1.0, ge=0)
    corporate_number: float = Field(4.0, ge=0)
    phone: float = Field(2.0, ge=0)
    postal: float = Field(1.0, ge=0)
    address: float = Field(1.5, ge=0)
    prefecture: float = Field(0.5, ge=0)


class ScoringConfig(BaseModel):
    """Thresholds and weights that turn pair features into a decision."""

    model_config = ConfigDict(extra="forbid")

    fuzzy_name_sim: float = Field(
        0.85, ge=0, le=1, description="Name ratio from which names count as a fuzzy match."
    )
    fuzzy_max_edits: int = Field(
        1, ge=0, description="Edits (OSA: typo, insertion, deletion, swap) still counted as fuzzy."
    )
    fuzzy_min_len: int = Field(
        3, ge=1, description="Shorter names are too short for an edit to mean 'typo'."
    )
    long_name_len: int = Field(
        8,
        ge=1,
        description="Names at least this long may merge on the name alone when they differ only "
        "by fuzzy_max_edits inserted/deleted characters, are long_name_sim close and no known "
        "field differs: in shorter names one character is often the whole difference between two "
        "companies (商事/商会, 東/西).",
    )
    long_name_sim: float = Field(0.9, ge=0, le=1)
    review_score: float = Field(
        0.5, ge=0, le=1, description="Weak names with corroboration from this score go to review."
    )
    address_sim: float = Field(
        0.9, ge=0, le=1, description="Address ratio from which addresses count as agreeing."
    )
    kana_sim: float = Field(
        1.0, ge=0, le=1, description="Kana ratio from which readings count as agreeing."
    )
    weights: Weights = Field(default_factory=Weights)


class MatchConfig(BaseModel):
    """All matching settings; defaults chosen for Japanese B2B company masters (checked on
    synthetic data only so far)."""

    model_config = ConfigDict(extra="forbid")

    blocking: BlockingConfig = Field(default_factory=BlockingConfig)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    source_priority: list[str] = Field(
        default_factory=lambda: ["sales_db", "crm", "excel"],
        description="Most trusted source first; unknown sources rank after all listed ones.",
    )

    @model_validator(mode="after")
    def _blocking_feeds_scoring(self) -> MatchConfig:
        """Long names merging on the name alone must be candidates at all."""
        if self.blocking.edit_min_len > self.scoring.long_name_len:
            raise ValueError(
                f"blocking.edit_min_len ({self.blocking.edit_min_len}) must not exceed "
                f"scoring.long_name_len ({self.scoring.long_name_len})"
            )
        return self
