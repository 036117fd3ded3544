"""Audit trail: policy tools (what the audit policy records) and forensic hunting over audit logs."""
