"""Kiosk devices and API tokens: pairing, revocation, bearer-token look-ups."""
