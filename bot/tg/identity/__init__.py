"""Profile, language and name; invites with QR codes; supervisor links."""
