"""Files in and out: the QR renderer, the CSV reader."""
