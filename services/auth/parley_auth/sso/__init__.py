"""Single sign-on with OpenID Connect: provider settings, the protocol, accounts and groups."""
