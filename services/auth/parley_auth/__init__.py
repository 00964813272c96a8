"""Parley auth service: users, RS256 access tokens, rotating refresh tokens, JWKS."""
