"""Helpers of the resilience suite: the stack as processes, audits, fault switches."""
