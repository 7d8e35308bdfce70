"""Deterministic generator of messy Japanese B2B sources (CRM, 販売管理, Excel) + ground truth."""

from sampledata.generator import generate

__all__ = ["generate"]
