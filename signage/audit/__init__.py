"""The audit log: who did what that matters, when, for whom."""
