"""Local fakes of the vendors' APIs, faithful to their documented wire formats."""
