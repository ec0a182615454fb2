"""Writing what claimants send: responses from every channel, receipt codes, posters."""
