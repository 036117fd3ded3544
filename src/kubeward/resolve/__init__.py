"""Effective component configuration: flag over config file over the default of that component,
its version and the way it was started, with the deciding source recorded.
"""
