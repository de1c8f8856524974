"""Email in and out: identities and threading keys (identity), parsing, intake, composing and sending."""
