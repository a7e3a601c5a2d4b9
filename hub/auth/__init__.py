"""Accounts: password hashing, login sessions, request authentication, login throttling."""
