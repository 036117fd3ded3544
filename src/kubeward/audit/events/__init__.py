"""Audit log events: the normalized event, the streaming reader, the detections and the hunt over them."""
